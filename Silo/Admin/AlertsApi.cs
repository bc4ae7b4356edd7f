using System.Text;
using Gateway.Catalog;
using Gateway.Monitoring;
using Gateway.Notifications;
using Gateway.Silo.Catalog;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Silo.Admin;

/// <summary>
/// Alert rules (part of the catalog), alert history per rule, and the live usage series of an API or app.
/// </summary>
public static class AlertsApi
{
    private const int MaxBodyBytes = 1024 * 1024;

    /// <param name="api">The admin API's authenticated <c>/v1</c> group.</param>
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/alert-rules", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetAlertRules())).WithTags("alerts");
        api.MapGet("/alert-rules/{id}", async (string id, IGrainFactory g) =>
            (await Catalog(g).GetAlertRules()).FirstOrDefault(r => r.Id == id) is { } rule ? AdminResults.Json(rule) : AdminResults.NotFound($"alert rule '{id}'"))
            .WithTags("alerts");
        api.MapPut("/alert-rules/{id}", async (string id, HttpContext http, IGrainFactory g) =>
        {
            var (rule, error) = await Read<AlertRule>(http);
            if (error is not null)
            {
                return error;
            }

            if (!string.IsNullOrEmpty(rule!.Id) && rule.Id != id)
            {
                return AdminResults.BadRequest($"the body names '{rule.Id}' but the URL names '{id}'");
            }

            return AdminResults.From(await Catalog(g).UpsertAlertRule(rule with { Id = id }));
        }).Reads<AlertRule>().WithTags("alerts");
        api.MapDelete("/alert-rules/{id}", async (string id, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteAlertRule(id))).WithTags("alerts");

        api.MapGet("/alert-rules/{id}/alerts", async (string id, IGrainFactory g) =>
            (await Catalog(g).GetAlertRules()).Any(r => r.Id == id)
                ? AdminResults.Json(await g.GetGrain<INotificationOutboxGrain>(GrainKeys.Outbox(id)).GetHistory())
                : AdminResults.NotFound($"alert rule '{id}'"))
            .WithTags("alerts");
        api.MapGet("/alerts", async (IGrainFactory g) =>
        {
            var rules = await Catalog(g).GetAlertRules();
            var histories = await Task.WhenAll(rules.Select(r => g.GetGrain<INotificationOutboxGrain>(GrainKeys.Outbox(r.Id)).GetHistory()));
            return AdminResults.Json(histories.SelectMany(h => h).OrderByDescending(a => a.FiredAt).ToArray());
        }).WithTags("alerts");

        api.MapGet("/monitoring/apis/{id}", (string id, [FromQuery] string? stage, [FromQuery] int? minutes, IGrainFactory g) =>
            Series(g, id, stage, minutes, GrainKeys.ApiWindow)).WithTags("monitoring");
        api.MapGet("/monitoring/apps/{id}", (string id, [FromQuery] string? stage, [FromQuery] int? minutes, IGrainFactory g) =>
            Series(g, id, stage, minutes, GrainKeys.AppWindow)).WithTags("monitoring");
        return api;
    }

    private static async Task<IResult> Series(IGrainFactory grains, string id, string? stage, int? minutes, Func<string, string, string> key)
    {
        var errors = new List<CatalogError>();
        var canonical = StageName.Default;
        if (stage is not null && !StageName.TryNormalize(stage, out canonical))
        {
            errors.Add(new("stage", "UnknownStage", $"'{stage}' is not a stage; use one of {string.Join(", ", StageName.All)}"));
        }

        if (minutes is < 1 or > 60)
        {
            errors.Add(new("minutes", "OutOfRange", $"{minutes} is not between 1 and 60 (such as 1, 5 or 60)"));
        }

        if (errors.Count > 0)
        {
            return AdminResults.Problem(StatusCodes.Status400BadRequest, "Bad request", $"{errors.Count} problem(s)", errors);
        }

        return AdminResults.Json(await grains.GetGrain<IUsageWindowGrain>(key(id, canonical)).GetSeries(minutes ?? 1));
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    private static Task<(T? Value, IResult? Error)> Read<T>(HttpContext http)
        where T : class => AdminBody.ReadAsync<T>(http, MaxBodyBytes);
}
