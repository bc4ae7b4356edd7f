using System.Text;
using Gateway.Catalog;
using Gateway.Security;
using Gateway.Silo.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>
/// The admin API for the edge: TLS certificates per host name (the private key goes in and never comes
/// out) and OpenID Connect identity providers.
/// </summary>
public static class CertificatesApi
{
    /// <summary>A PEM chain and key are a few kilobytes; anything near this is not a certificate.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapCertificatesApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1").AddEndpointFilter<AdminAuthentication>().WithTags("edge");

        api.MapGet("/certificates", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetCertificates()));
        api.MapGet("/certificates/{domain}", async (string domain, IGrainFactory g) =>
            (await Catalog(g).GetCertificates()).FirstOrDefault(c => string.Equals(c.Domain, domain, StringComparison.OrdinalIgnoreCase)) is { } info
                ? AdminResults.Json(info)
                : AdminResults.NotFound($"certificate for '{domain}'"));
        api.MapPut("/certificates/{domain}", async (string domain, HttpContext http, IGrainFactory g) =>
        {
            var (upload, error) = await Read<TlsCertificateUpload>(http);
            if (error is not null)
            {
                return error;
            }

            var result = await Catalog(g).UpsertCertificate(domain, upload!);
            if (!result.Succeeded)
            {
                return AdminResults.From(result);
            }

            var info = (await Catalog(g).GetCertificates()).FirstOrDefault(c => c.Domain == domain.Trim().ToLowerInvariant());
            return AdminResults.Json(new { revision = result.Revision, certificate = info });
        }).Reads<TlsCertificateUpload>();
        api.MapDelete("/certificates/{domain}", async (string domain, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteCertificate(domain)));

        api.MapGet("/identity-providers", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetIdentityProviders()));
        api.MapGet("/identity-providers/{name}", async (string name, IGrainFactory g) =>
            (await Catalog(g).GetIdentityProviders()).FirstOrDefault(p => p.Name == name) is { } provider
                ? AdminResults.Json(provider)
                : AdminResults.NotFound($"identity provider '{name}'"));
        api.MapPut("/identity-providers/{name}", async (string name, HttpContext http, IGrainFactory g) =>
        {
            var (provider, error) = await Read<IdentityProvider>(http);
            if (error is not null)
            {
                return error;
            }

            if (!string.IsNullOrEmpty(provider!.Name) && provider.Name != name)
            {
                return AdminResults.BadRequest($"the body names '{provider.Name}' but the URL names '{name}'");
            }

            return AdminResults.From(await Catalog(g).UpsertIdentityProvider(provider with { Name = name }));
        }).Reads<IdentityProvider>().RequireRole(AdminRole.Editor);
        api.MapDelete("/identity-providers/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteIdentityProvider(name))).RequireRole(AdminRole.Editor);
        return endpoints;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    private static Task<(T? Value, IResult? Error)> Read<T>(HttpContext http)
        where T : class => AdminBody.ReadAsync<T>(http, MaxBodyBytes);
}
