using Gateway.Catalog;
using Gateway.Metering;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Silo.Admin;

/// <summary>
/// Admin API for metering: meters, price plans, prepaid packages, subscriptions of apps to plans, package
/// grants and their append-only ledger. Editors change them; viewers read them.
/// </summary>
public static class MeteringApi
{
    /// <summary>These are small records; anything larger is a mistake.</summary>
    private const int MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapMeteringApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1").AddEndpointFilter<AdminAuthentication>().WithTags("metering");

        api.MapGet("/meters", async (IGrainFactory g) => AdminResults.Json((await Metering(g)).Meters));
        api.MapGet("/meters/{name}", async (string name, IGrainFactory g) => One((await Metering(g)).Meters.FirstOrDefault(m => m.Name == name), $"meter '{name}'"));
        api.MapPut("/meters/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Put<Meter>(http, name, m => m.Name, m => m with { Name = name }, m => Catalog(g).UpsertMeter(m))).RequireRole(AdminRole.Editor);
        api.MapDelete("/meters/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteMeter(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/price-plans", async (IGrainFactory g) => AdminResults.Json((await Metering(g)).PricePlans));
        api.MapGet("/price-plans/{name}", async (string name, IGrainFactory g) => One((await Metering(g)).PricePlans.FirstOrDefault(p => p.Name == name), $"price plan '{name}'"));
        api.MapPut("/price-plans/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Put<PricePlan>(http, name, p => p.Name, p => p with { Name = name }, p => Catalog(g).UpsertPricePlan(p))).RequireRole(AdminRole.Editor);
        api.MapDelete("/price-plans/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeletePricePlan(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/packages", async (IGrainFactory g) => AdminResults.Json((await Metering(g)).Packages));
        api.MapGet("/packages/{name}", async (string name, IGrainFactory g) => One((await Metering(g)).Packages.FirstOrDefault(p => p.Name == name), $"package '{name}'"));
        api.MapPut("/packages/{name}", (string name, HttpContext http, IGrainFactory g) =>
            Put<CallPackage>(http, name, p => p.Name, p => p with { Name = name }, p => Catalog(g).UpsertPackage(p))).RequireRole(AdminRole.Editor);
        api.MapDelete("/packages/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeletePackage(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/subscriptions", async (IGrainFactory g) => AdminResults.Json((await Metering(g)).Subscriptions));
        api.MapGet("/apps/{id}/subscription", async (string id, IGrainFactory g) => One((await Metering(g)).Subscriptions.FirstOrDefault(s => s.App == id), $"a subscription of app '{id}'"));
        api.MapPut("/apps/{id}/subscription", (string id, HttpContext http, IGrainFactory g) =>
            Put<Subscription>(http, id, s => s.App, s => s with { App = id }, s => Catalog(g).PutSubscription(s))).RequireRole(AdminRole.Editor);
        api.MapDelete("/apps/{id}/subscription", async (string id, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteSubscription(id))).RequireRole(AdminRole.Editor);

        api.MapGet("/package-grants", async ([FromQuery] string? app, IGrainFactory g) =>
            AdminResults.Json((await Metering(g)).PackageGrants.Where(p => app is null || p.App == app).ToArray()));
        api.MapGet("/package-grants/{id}", async (string id, IGrainFactory g) => One((await Metering(g)).PackageGrants.FirstOrDefault(p => p.Id == id), $"package grant '{id}'"));
        api.MapPut("/package-grants/{id}", (string id, HttpContext http, IGrainFactory g) =>
            Put<PackageGrant>(http, id, p => p.Id, p => p with { Id = id }, p => Catalog(g).UpsertPackageGrant(p))).RequireRole(AdminRole.Editor);
        api.MapDelete("/package-grants/{id}", async (string id, IGrainFactory g) => AdminResults.From(await Catalog(g).DeletePackageGrant(id))).RequireRole(AdminRole.Editor);
        api.MapPost("/package-grants/{id}/adjustments", async (string id, HttpContext http, IGrainFactory g) =>
        {
            var (adjustment, error) = await AdminBody.ReadAsync<PackageAdjustment>(http, MaxBodyBytes);
            return error ?? AdminResults.From(await Catalog(g).AdjustPackageGrant(id, adjustment!));
        }).RequireRole(AdminRole.Editor);

        api.MapGet("/ledger", async ([FromQuery] string? app, [FromQuery] string? grant, IGrainFactory g) =>
            AdminResults.Json(await Catalog(g).GetLedger(string.IsNullOrEmpty(app) ? null : app, string.IsNullOrEmpty(grant) ? null : grant)));
        return endpoints;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    private static Task<MeteringCatalog> Metering(IGrainFactory grains) => Catalog(grains).GetMetering();

    private static IResult One<T>(T? value, string what)
        where T : class => value is null ? AdminResults.NotFound(what) : AdminResults.Json(value);

    /// <summary>Reads the body; a name in the body must agree with the URL, which names what is changed.</summary>
    private static async Task<IResult> Put<T>(HttpContext http, string key, Func<T, string?> keyOf, Func<T, T> withKey, Func<T, Task<CatalogResult>> store)
        where T : class
    {
        var (value, error) = await AdminBody.ReadAsync<T>(http, MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }

        var named = keyOf(value!)?.Trim();
        return !string.IsNullOrEmpty(named) && named != key
            ? AdminResults.BadRequest($"the body names '{named}' but the URL names '{key}'")
            : AdminResults.From(await store(withKey(value!)));
    }
}
