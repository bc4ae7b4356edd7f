using Gateway.Catalog;
using Gateway.Policies;

namespace Gateway.Silo.Admin;

/// <summary>Admin API for per-API policies (CORS, header rewrites) and their bindings to APIs and groups per stage.</summary>
public static class PoliciesApi
{
    /// <summary>A policy is a small record; anything larger is a mistake.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapPoliciesApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1").AddEndpointFilter<AdminAuthentication>().WithTags("policies");

        api.MapGet("/api-policies", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetApiPolicies()));
        api.MapGet("/api-policies/{name}", async (string name, IGrainFactory g) =>
            (await Catalog(g).GetApiPolicies()).FirstOrDefault(p => p.Name == name) is { } policy
                ? AdminResults.Json(policy)
                : AdminResults.NotFound($"API policy '{name}'"));
        api.MapPut("/api-policies/{name}", async (string name, HttpContext http, IGrainFactory g) =>
        {
            var (policy, error) = await AdminBody.ReadAsync<ApiPolicy>(http, MaxBodyBytes);
            if (error is not null)
            {
                return error;
            }

            return !string.IsNullOrEmpty(policy!.Name) && policy.Name != name
                ? AdminResults.BadRequest($"the body names '{policy.Name}' but the URL names '{name}'")
                : AdminResults.From(await Catalog(g).UpsertApiPolicy(policy with { Name = name }));
        }).RequireRole(AdminRole.Editor);
        api.MapDelete("/api-policies/{name}", async (string name, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).DeleteApiPolicy(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/policy-bindings", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetPolicyBindings()));

        // Bodiless: the URL says everything a binding is.
        api.MapPut("/apis/{id}/stages/{stage}/policies/{policy}", async (string id, string stage, string policy, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).BindApiPolicy(new ApiPolicyBinding { Api = id, Stage = stage, Policy = policy }))).RequireRole(AdminRole.Editor);
        api.MapDelete("/apis/{id}/stages/{stage}/policies/{policy}", async (string id, string stage, string policy, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).UnbindApiPolicy(new ApiPolicyBinding { Api = id, Stage = stage, Policy = policy }))).RequireRole(AdminRole.Editor);
        api.MapPut("/groups/{name}/stages/{stage}/policies/{policy}", async (string name, string stage, string policy, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).BindApiPolicy(new ApiPolicyBinding { Group = name, Stage = stage, Policy = policy }))).RequireRole(AdminRole.Editor);
        api.MapDelete("/groups/{name}/stages/{stage}/policies/{policy}", async (string name, string stage, string policy, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).UnbindApiPolicy(new ApiPolicyBinding { Group = name, Stage = stage, Policy = policy }))).RequireRole(AdminRole.Editor);

        // Every frontend drops the API's cached answers once it holds the revision this answers with (within 2 s).
        api.MapPost("/apis/{id}/cache/purge", async (string id, string? stage, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).PurgeCache(id, stage))).RequireRole(AdminRole.Editor);

        // Each frontend's breakers as it last reported them (on every change, and every 5 s); silent frontends are left out.
        api.MapGet("/circuit-breakers", async (IGrainFactory g) =>
            AdminResults.Json(await g.GetGrain<Gateway.Policies.CircuitBreaking.ICircuitBreakerBoardGrain>(0).GetReports()));
        return endpoints;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
}
