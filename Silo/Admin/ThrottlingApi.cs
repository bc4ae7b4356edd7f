using System.Text;
using Gateway.Catalog;
using Gateway.Silo.Catalog;
using Gateway.Throttling;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Silo.Admin;

/// <summary>
/// Admin API for throttling: policies, their bindings to APIs per stage, and the live state of the quota
/// counters (limit, used, remaining, window, leases per frontend; top consumers; reset of one counter).
/// </summary>
public static class ThrottlingApi
{
    /// <summary>A policy is a small record; anything larger is a mistake.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapThrottlingApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1").AddEndpointFilter<AdminAuthentication>().WithTags("throttling");

        api.MapGet("/throttle-policies", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetThrottlePolicies()));
        api.MapGet("/throttle-policies/{name}", async (string name, IGrainFactory g) =>
            (await Catalog(g).GetThrottlePolicies()).FirstOrDefault(p => p.Name == name) is { } policy
                ? AdminResults.Json(policy)
                : AdminResults.NotFound($"throttle policy '{name}'"));
        api.MapPut("/throttle-policies/{name}", async (string name, HttpContext http, IGrainFactory g) =>
        {
            var (policy, error) = await Read<ThrottlePolicy>(http);
            if (error is not null)
            {
                return error;
            }

            return !string.IsNullOrEmpty(policy!.Name) && policy.Name != name
                ? AdminResults.BadRequest($"the body names '{policy.Name}' but the URL names '{name}'")
                : AdminResults.From(await Catalog(g).UpsertThrottlePolicy(policy with { Name = name }));
        }).Reads<ThrottlePolicy>().RequireRole(AdminRole.Editor);
        api.MapDelete("/throttle-policies/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteThrottlePolicy(name))).RequireRole(AdminRole.Editor);

        api.MapGet("/throttle-bindings", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetThrottleBindings()));
        api.MapPut("/apis/{id}/stages/{stage}/throttle-policy", async (string id, string stage, HttpContext http, IGrainFactory g) =>
        {
            var (body, error) = await Read<BindThrottlePolicyRequest>(http);
            if (error is not null)
            {
                return error;
            }

            return string.IsNullOrWhiteSpace(body!.Policy)
                ? AdminResults.BadRequest("the body must name the policy, as {\"policy\": \"p1\"}")
                : AdminResults.From(await Catalog(g).BindThrottlePolicy(id, stage, body.Policy.Trim()));
        }).Reads<BindThrottlePolicyRequest>().RequireRole(AdminRole.Editor);
        api.MapDelete("/apis/{id}/stages/{stage}/throttle-policy", async (string id, string stage, IGrainFactory g) =>
            AdminResults.From(await Catalog(g).UnbindThrottlePolicy(id, stage))).RequireRole(AdminRole.Editor);

        // Live state. The subject (user id, app id, IP address) is a query parameter: it may hold anything.
        api.MapGet("/quotas/{id}/{stage}/top", async (string id, string stage, [FromQuery] int? count, IGrainFactory g) =>
        {
            var (policy, canonical, error) = await PolicyOf(g, id, stage);
            if (error is not null)
            {
                return error;
            }

            var top = await g.GetGrain<IQuotaConsumersGrain>(GrainKeys.QuotaConsumers(policy!.Name, id, canonical, policy.Unit)).GetTop(count ?? 10);
            return AdminResults.Json(new { api = id, stage = canonical, policy = policy.Name, unit = policy.Unit, consumers = top });
        });
        api.MapGet("/quotas/{id}/{stage}/{level}", async (string id, string stage, string level, [FromQuery] string? subject, IGrainFactory g) =>
        {
            var (counter, policy, canonical, error) = await CounterOf(g, id, stage, level, subject);
            return error ?? AdminResults.Json(View(id, canonical, policy!, counter!, await g.GetGrain<IQuotaGrain>(counter!.Key).GetState(counter.Spec)));
        });
        api.MapPost("/quotas/{id}/{stage}/{level}/reset", async (string id, string stage, string level, [FromQuery] string? subject, HttpContext http, IGrainFactory g) =>
        {
            var (counter, policy, canonical, error) = await CounterOf(g, id, stage, level, subject);
            if (error is not null)
            {
                return error;
            }

            var state = await g.GetGrain<IQuotaGrain>(counter!.Key).Reset(counter.Spec);
            await AuditApi.RecordAsync(http, g, new CatalogChange { Collection = "quotas", Item = counter.Key, Change = CatalogChangeKind.Changed, Fields = ["used"] });
            return AdminResults.Json(View(id, canonical, policy!, counter, state));
        }).RequireRole(AdminRole.Editor);
        return endpoints;
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    private static async Task<(ThrottlePolicy? Policy, string Stage, IResult? Error)> PolicyOf(IGrainFactory grains, string api, string stage)
    {
        if (!StageName.TryNormalize(stage, out var canonical))
        {
            return (null, "", AdminResults.BadRequest($"'{stage}' is not a stage; use one of {string.Join(", ", StageName.All)}"));
        }

        // The same rules the frontends build from the same snapshot: the view is what calls are charged to.
        var rules = ThrottleRules.Build(await Catalog(grains).GetSnapshot());
        return rules.PolicyFor(api, canonical) is { } policy
            ? (policy, canonical, null)
            : (null, canonical, AdminResults.NotFound($"a throttle policy in force for API '{api}' in {canonical}"));
    }

    private static async Task<(QuotaCounterRef? Counter, ThrottlePolicy? Policy, string Stage, IResult? Error)> CounterOf(
        IGrainFactory grains, string api, string stage, string level, string? subject)
    {
        if (!GrainKeys.TryParseLevel(level, out var parsed))
        {
            return (null, null, "", AdminResults.BadRequest($"'{level}' is not a level; use api, user, app or ip"));
        }

        if (parsed != ThrottleLevel.Api && string.IsNullOrWhiteSpace(subject))
        {
            return (null, null, "", AdminResults.BadRequest($"the {level} level needs ?subject= naming the {level}"));
        }

        if (parsed == ThrottleLevel.Ip && subject is not null)
        {
            if (!System.Net.IPAddress.TryParse(subject, out var address))
            {
                return (null, null, "", AdminResults.BadRequest($"'{subject}' is not an IP address"));
            }

            subject = ThrottleSubjects.Ip(address);
        }

        var (policy, canonical, error) = await PolicyOf(grains, api, stage);
        if (error is not null)
        {
            return (null, null, canonical, error);
        }

        return ThrottleRules.Counter(policy!, api, canonical, parsed, subject) is { } counter
            ? (counter, policy, canonical, null)
            : (null, policy, canonical, AdminResults.NotFound($"a {level} limit in policy '{policy!.Name}'"));
    }

    private static object View(string api, string stage, ThrottlePolicy policy, QuotaCounterRef counter, QuotaState state) => new
    {
        api,
        stage,
        policy = policy.Name,
        level = counter.Level,
        subject = counter.Subject,
        key = counter.Key,
        limit = state.Limit,
        unit = state.Unit,
        used = state.Used,
        granted = state.Granted,
        remaining = state.Remaining,
        windowStart = state.WindowStart,
        windowEnd = state.WindowEnd,
        mode = state.Mode,
        leases = state.Leases,
    };

    private static Task<(T? Value, IResult? Error)> Read<T>(HttpContext http)
        where T : class => AdminBody.ReadAsync<T>(http, MaxBodyBytes);
}

/// <summary>Body of a policy binding.</summary>
public sealed record BindThrottlePolicyRequest
{
    /// <summary>Required. The policy to put in force.</summary>
    public string? Policy { get; init; }
}
