using System.Globalization;
using Gateway.Audit;
using Gateway.Catalog;
using Microsoft.AspNetCore.Mvc;

namespace Gateway.Silo.Admin;

/// <summary>
/// The audit log over the admin API: <c>GET /v1/audit?from&amp;to&amp;item</c>. Catalog changes are recorded by
/// the catalog grain itself (with the caller's name from <see cref="AuditContext"/>); changes outside the
/// catalog (a quota reset) are recorded here.
/// </summary>
public static partial class AuditApi
{
    /// <param name="api">The admin API's authenticated <c>/v1</c> group.</param>
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", async ([FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? item, IGrainFactory g) =>
        {
            var errors = new List<CatalogError>();
            var start = ParseTime(from, "from", errors);
            var end = ParseTime(to, "to", errors);
            if (start is not null && end is not null && end < start)
            {
                errors.Add(new("to", "OutOfRange", "'to' is before 'from'"));
            }

            if (errors.Count > 0)
            {
                return AdminResults.Problem(StatusCodes.Status400BadRequest, "Bad request", $"{errors.Count} problem(s) in the query", errors);
            }

            return AdminResults.Json(await g.GetGrain<IAuditGrain>(GrainKeys.Audit).List(start, end, string.IsNullOrWhiteSpace(item) ? null : item.Trim()));
        }).WithTags("audit");
        return api;
    }

    /// <summary>Records a change made outside the catalog, and logs it as one structured record.</summary>
    internal static async Task RecordAsync(HttpContext http, IGrainFactory grains, CatalogChange change)
    {
        var caller = http.Features.Get<AdminCaller>()?.Name ?? AdminAuthentication.LocalCaller;
        var route = $"{http.Request.Method} {http.Request.Path}";
        var time = http.RequestServices.GetRequiredKeyedService<TimeProvider>(GatewayTime.Key);
        Log(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuditApi)), caller, route, change.ToString());
        await grains.GetGrain<IAuditGrain>(GrainKeys.Audit).Record(new AuditRecord
        {
            At = time.GetUtcNow(),
            Actor = caller,
            Route = route,
            Items = [$"{change.Collection}/{change.Item}"],
            Changes = [change],
        });
    }

    private static DateTimeOffset? ParseTime(string? text, string name, List<CatalogError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors.Add(new(name, "BadTime", $"'{text}' is not a date and time (ISO 8601, such as 2026-01-31T12:00:00Z)"));
        return null;
    }

    [LoggerMessage(EventId = LogEvents.AdminAudited, Level = LogLevel.Information, Message = "Admin change by {Actor} ({Route}): {Changes}")]
    private static partial void Log(ILogger logger, string actor, string route, string changes);
}
