using System.Security.Cryptography;
using System.Text;

namespace Gateway.Silo.Admin;

/// <summary>Checks the admin bearer token on every admin call, in constant time, without ever echoing it.</summary>
internal sealed partial class AdminAuthentication(AdminSettings settings, ILogger<AdminAuthentication> logger) : IEndpointFilter
{
    private readonly byte[]? _expected = settings.HasToken ? SHA256.HashData(Encoding.UTF8.GetBytes(settings.Token!)) : null;

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected is null)
        {
            // No token: the listener is bound to loopback only (see SiloApp), so only this machine gets here.
            return next(context);
        }

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(context.HttpContext, "the admin API needs an 'Authorization: Bearer <token>' header");
        }

        // Comparing hashes keeps the comparison constant-time whatever the token's length.
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _expected)
            ? next(context)
            : Refuse(context.HttpContext, "the bearer token is not the admin token");
    }

    private ValueTask<object?> Refuse(HttpContext context, string detail)
    {
        LogRefused(context.Connection.RemoteIpAddress?.ToString() ?? "?", context.Request.Path);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(AdminResults.Problem(StatusCodes.Status401Unauthorized, "Unauthorized", detail));
    }

    [LoggerMessage(EventId = LogEvents.AdminRefused, Level = LogLevel.Warning, Message = "Refused an admin call from {Client} to {Path}: missing or wrong token")]
    private partial void LogRefused(string client, string path);
}
