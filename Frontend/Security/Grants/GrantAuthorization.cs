using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Frontend.Security.Signature;

namespace Gateway.Frontend.Security.Grants;

/// <summary>
/// Lets an authenticated app through only with a grant for the matched API in the matched stage that has not
/// expired. Decided from the local snapshot alone; a revoke is in force as soon as the snapshot saying so is.
/// </summary>
internal sealed partial class GrantAuthorizationMiddleware(
    RequestDelegate next,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
    ILogger<GrantAuthorizationMiddleware> logger)
{
    public Task Invoke(HttpContext context)
    {
        var request = context.GetGatewayRequest();
        if (request.Api is not { } api || !AppSignatureMiddleware.RequiresSignature(api.Definition.AuthType))
        {
            return next(context);
        }

        var grant = request.AppId is null ? null : request.Catalog!.Callers.FindGrant(request.AppId, api.Definition.Id, api.Stage);
        if (grant is null)
        {
            LogRefused(api.Definition.Id, api.Stage, request.AppId ?? "-", GatewayError.GrantMissing.Code);
            return GatewayErrorWriter.WriteAsync(context, GatewayError.GrantMissing);
        }

        if (grant.ExpiresAt is { } expiry && expiry <= time.GetUtcNow())
        {
            LogRefused(api.Definition.Id, api.Stage, request.AppId!, GatewayError.GrantExpired.Code);
            return GatewayErrorWriter.WriteAsync(context, GatewayError.GrantExpired, $"it expired at {expiry:O}");
        }

        return next(context);
    }

    [LoggerMessage(EventId = LogEvents.GrantRefused, Level = LogLevel.Information, Message = "Refused app {App} on {Api} in {Stage}: {ErrorCode}")]
    private partial void LogRefused(string api, string stage, string app, string errorCode);
}

public static class GrantAuthorizationExtensions
{
    /// <summary>Belongs after UseAppSignature (and any token check), the last check before the request goes on.</summary>
    public static IApplicationBuilder UseGrantAuthorization(this IApplicationBuilder app) => app.UseMiddleware<GrantAuthorizationMiddleware>();
}
