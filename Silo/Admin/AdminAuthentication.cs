using Gateway.Audit;

namespace Gateway.Silo.Admin;

/// <summary>
/// Checks the admin bearer token on every admin call, and that its role covers what the route needs
/// (<see cref="RequiredAdminRole"/>), without ever echoing or logging a token. The caller's name goes with
/// the grain calls the route makes, for the audit log.
/// </summary>
internal sealed partial class AdminAuthentication(AdminTokens tokens, ILogger<AdminAuthentication> logger) : IEndpointFilter
{
    /// <summary>The caller's name when no token is configured (loopback only).</summary>
    public const string LocalCaller = "local";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var required = RequiredAdminRole.For(http.GetEndpoint(), http.Request.Method);
        AdminCaller caller;
        if (tokens.IsEmpty)
        {
            // No token: the listener is bound to loopback only (see SiloApp), so only this machine gets here.
            caller = new AdminCaller(LocalCaller, AdminRole.Admin);
        }
        else
        {
            var header = http.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return Unauthorized(http, "the admin API needs an 'Authorization: Bearer <token>' header");
            }

            if (tokens.Find(header["Bearer ".Length..].Trim()) is not { } found)
            {
                return Unauthorized(http, "the bearer token is not an admin token");
            }

            caller = found;
        }

        if (caller.Role < required)
        {
            LogForbidden(caller.Name, caller.Role.Name(), http.Request.Method, http.Request.Path, required.Name());
            return ValueTask.FromResult<object?>(AdminResults.Problem(StatusCodes.Status403Forbidden, "Forbidden",
                $"{http.Request.Method} {http.Request.Path} needs the '{required.Name()}' role; token '{caller.Name}' has '{caller.Role.Name()}'",
                code: "RoleRequired"));
        }

        http.Features.Set(caller);
        AuditContext.Set(caller.Name, $"{http.Request.Method} {http.Request.Path}");
        return next(context);
    }

    private ValueTask<object?> Unauthorized(HttpContext context, string detail)
    {
        LogRefused(context.Connection.RemoteIpAddress?.ToString() ?? "?", context.Request.Path);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(AdminResults.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", detail));
    }

    [LoggerMessage(EventId = LogEvents.AdminRefused, Level = LogLevel.Warning, Message = "Refused an admin call from {Client} to {Path}: missing or wrong token")]
    private partial void LogRefused(string client, string path);

    [LoggerMessage(EventId = LogEvents.AdminForbidden, Level = LogLevel.Warning,
        Message = "Refused {Method} {Path} to token '{Caller}' ({Role}): it needs the {Required} role")]
    private partial void LogForbidden(string caller, string role, string method, string path, string required);
}
