using System.Net;
using Gateway.Catalog;
using Gateway.Throttling;

namespace Gateway.Frontend.Pipeline;

/// <summary>
/// What the gateway has learnt about one request as it passes the pipeline, kept as an HttpContext
/// feature so that each step reads what earlier steps decided.
/// </summary>
public sealed class GatewayRequest
{
    private IPAddress? _clientIp;
    private string? _clientIpText;

    /// <summary>The id answered in X-Ca-Request-Id.</summary>
    public required string RequestId { get; init; }

    /// <summary>The matched API version (set right after routing), or null when nothing matched.</summary>
    public PublishedApi? Api { get; set; }

    /// <summary>The matched API's group.</summary>
    public ApiGroup? Group { get; set; }

    /// <summary>The caller's address: the connection's peer, or taken from X-Forwarded-For behind a trusted proxy.</summary>
    public IPAddress? ClientIp
    {
        get => _clientIp;
        set
        {
            _clientIp = value;
            _clientIpText = null;
        }
    }

    /// <summary><see cref="ClientIp"/> as throttling keys and the access log write it, made once per request.</summary>
    public string? ClientIpText => _clientIpText ??= _clientIp is { } ip ? ThrottleSubjects.Ip(ip) : null;

    /// <summary>The authenticated app, when the API asks for one.</summary>
    public string? AppId { get; set; }

    /// <summary>The AppKey the app signed with.</summary>
    public string? AppKey { get; set; }

    /// <summary>The user the caller acts for: the app's owner, or the subject of an OpenID Connect token.</summary>
    public string? UserId { get; set; }

    /// <summary>Answered by the API's mock rather than its backend (metering tells the two apart).</summary>
    public bool MockAnswered { get; set; }
}

public static class GatewayRequestExtensions
{
    public static GatewayRequest GetGatewayRequest(this HttpContext context) =>
        context.Features.Get<GatewayRequest>() ?? throw new InvalidOperationException("UseRequestIds must run first");
}
