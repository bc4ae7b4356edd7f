using Gateway.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>
/// The admin API for secrets at rest: which keys sealed the stored secrets, and re-encryption with the active key
/// after a rotation. Neither ever shows a secret or a key, only key ids and counts.
/// </summary>
public static class SecretsApi
{
    public static IEndpointRouteBuilder MapSecretsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1/secrets").AddEndpointFilter<AdminAuthentication>().WithTags("secrets");
        api.MapGet("", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetSecretsReport()));
        api.MapPost("/re-encrypt", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).ReEncryptSecrets()));
        return endpoints;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
}
