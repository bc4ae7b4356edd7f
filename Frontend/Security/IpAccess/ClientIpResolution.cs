using System.Net;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Security;

namespace Gateway.Frontend.Security.IpAccess;

/// <summary>
/// Sets <see cref="GatewayRequest.ClientIp"/>: the connection's peer, or the configured X-Forwarded-For
/// hop when the peer is a trusted proxy (then X-Forwarded-Proto is believed too). IPv4-mapped IPv6 peers
/// are recorded as IPv4, so that IPv4 rules match them.
/// </summary>
internal sealed partial class ClientIpResolution
{
    private const string ForwardedForHeader = "X-Forwarded-For";
    private const string ForwardedProtoHeader = "X-Forwarded-Proto";
    private readonly RequestDelegate _next;
    private readonly IpRange[] _trusted;
    private readonly int _hop;
    private readonly ILogger<ClientIpResolution> _logger;

    public ClientIpResolution(RequestDelegate next, ClientIpSettings settings, ILogger<ClientIpResolution> logger)
    {
        _next = next;
        _trusted = settings.ParseTrustedProxies();
        _hop = settings.ForwardedForHop;
        _logger = logger;
    }

    public Task Invoke(HttpContext context)
    {
        var request = context.GetGatewayRequest();
        var peer = context.Connection.RemoteIpAddress is { } remote ? IpRange.Canonical(remote) : null;
        request.ClientIp = peer;
        if (peer is null || _trusted.Length == 0 || !IsTrusted(peer))
        {
            return _next(context);
        }

        var forwarded = context.Request.Headers[ForwardedForHeader];
        if (forwarded.Count == 0)
        {
            // A trusted proxy's own call (a health check, say): the proxy is the client.
            return _next(context);
        }

        var entries = new List<IPAddress>(4);
        if (!ForwardedFor.TryParse(forwarded, entries, out var problem))
        {
            return Refuse(context, problem);
        }

        if (entries.Count < _hop)
        {
            return Refuse(context, $"it has {entries.Count} address(es) and the gateway takes the {Ordinal(_hop)} from the right");
        }

        request.ClientIp = entries[^_hop];
        if (context.Request.Headers[ForwardedProtoHeader] is { Count: > 0 } proto
            && proto[^1]?.Split(',')[^1].Trim() is { } scheme
            && (scheme.Equals("https", StringComparison.OrdinalIgnoreCase) || scheme.Equals("http", StringComparison.OrdinalIgnoreCase)))
        {
            // The proxy terminated TLS: the request is as secure as the proxy says (used by HTTPS-only APIs).
            context.Request.Scheme = scheme.ToLowerInvariant();
        }

        return _next(context);
    }

    private bool IsTrusted(IPAddress peer)
    {
        foreach (var range in _trusted)
        {
            if (range.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }

    private Task Refuse(HttpContext context, string problem)
    {
        LogBadForwardedFor(problem);
        return GatewayErrorWriter.WriteAsync(context, GatewayError.BadForwardedFor, problem);
    }

    private static string Ordinal(int n) => n switch
    {
        1 => "1st",
        2 => "2nd",
        3 => "3rd",
        _ => $"{n}th",
    };

    [LoggerMessage(EventId = LogEvents.BadForwardedFor, Level = LogLevel.Debug, Message = "Refused a request from a trusted proxy: X-Forwarded-For is malformed, {Problem}")]
    private partial void LogBadForwardedFor(string problem);
}

public static class ClientIpResolutionExtensions
{
    /// <summary>Belongs right after <c>UseRequestIds</c>: everything after it, routing included, sees the resolved client address.</summary>
    public static IApplicationBuilder UseClientIp(this IApplicationBuilder app) => app.UseMiddleware<ClientIpResolution>();
}
