using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;

namespace Gateway.Frontend.Security.IpAccess;

/// <summary>
/// Refuses callers whose address the group's or the API's rules do not admit (403 A403IP). An address
/// admitted only by entries limited to apps cannot be decided before authentication: it is recorded as an
/// <see cref="IpAppRequirement"/> and decided by <see cref="IpAccessExtensions.UseIpAccessForApps"/>.
/// </summary>
internal sealed partial class IpAccessControlMiddleware(RequestDelegate next, ILogger<IpAccessControlMiddleware> logger)
{
    public Task Invoke(HttpContext context)
    {
        var request = context.GetGatewayRequest();
        if (request.Route is not { } route || route.IpAccess.IsEmpty)
        {
            return next(context);
        }

        var decision = route.IpAccess.Evaluate(request.ClientIp);
        if (!decision.Allowed)
        {
            LogRefused(route.Api.Definition.Id, decision.Reason ?? "");
            return GatewayErrorWriter.WriteAsync(context, GatewayError.IpDenied);
        }

        if (decision.AppSets is { } sets)
        {
            context.Features.Set(new IpAppRequirement(sets));
        }

        return next(context);
    }

    [LoggerMessage(EventId = LogEvents.IpRefused, Level = LogLevel.Debug, Message = "Refused a call of API {Api}: {Reason}")]
    internal partial void LogRefused(string api, string reason);
}

/// <summary>The client's address is admitted only for these apps: the authenticated app must be in every set.</summary>
public sealed record IpAppRequirement(string[][] AppSets)
{
    public bool IsMetBy(string? appId) => appId is not null && AppSets.All(set => set.Contains(appId, StringComparer.Ordinal));
}

public static class IpAccessExtensions
{
    /// <summary>Belongs after <c>UseUnmatchedRequests</c> (it needs the matched API) and before authentication: a refused address costs no signature check.</summary>
    public static IApplicationBuilder UseIpAccessControl(this IApplicationBuilder app) => app.UseMiddleware<IpAccessControlMiddleware>();

    /// <summary>
    /// Belongs after authentication (the app signature sets <see cref="GatewayRequest.AppId"/>) and before
    /// grant authorization: decides addresses that only app-limited allow entries admit.
    /// </summary>
    public static IApplicationBuilder UseIpAccessForApps(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Features.Get<IpAppRequirement>() is not { } requirement || requirement.IsMetBy(context.GetGatewayRequest().AppId))
        {
            return next(context);
        }

        return GatewayErrorWriter.WriteAsync(context, GatewayError.IpDenied, "this address is admitted only for other apps");
    });
}
