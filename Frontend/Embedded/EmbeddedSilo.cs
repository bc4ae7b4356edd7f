using Gateway.Secrets;
using Gateway.Silo;
using Gateway.Silo.Catalog;

namespace Gateway.Frontend.Embedded;

/// <summary>
/// The embedded default's silo: one process, nothing else to install. It co-hosts a silo (with the admin API) and,
/// unless a catalog is given or the sample is switched off (Embedded:Sample=false), the sample backend and catalog.
/// The one place the frontend uses the Silo's types.
/// </summary>
public static class EmbeddedSilo
{
    /// <summary>Builds the silo (not started) and gives the frontend its grain factory.</summary>
    public static async Task<(WebApplication Silo, SampleBackend? Sample)> AddAsync(
        WebApplicationBuilder frontend, string[] args, Action<WebApplicationBuilder>? configure)
    {
        var useSample = string.IsNullOrEmpty(frontend.Configuration["Catalog:File"])
            && !args.Contains("--catalog")
            && frontend.Configuration.GetValue("Embedded:Sample", true);
        SampleBackend? sample = null;
        CatalogSeed? seed = null;
        if (useSample)
        {
            sample = await SampleBackend.StartAsync(frontend.Configuration.GetValue("Embedded:SampleBackendPort", 8089));
            seed = new CatalogSeed(SampleCatalog.Load(sample.Address), "built-in sample");
        }

        var silo = SiloApp.Build(args, seed, EmbeddedDebugging.ShareKey(frontend, configure));
        frontend.Services.AddSingleton(silo.Services.GetRequiredService<IGrainFactory>());
        // One process, one key ring: the silo's (generated at start unless configured).
        frontend.Services.AddSingleton(silo.Services.GetRequiredService<SecretKeyRing>());
        return (silo, sample);
    }
}
