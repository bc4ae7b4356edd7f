using System.Net;
using Gateway.Catalog;
using Gateway.Frontend.Catalog;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Throttling;
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

    /// <summary>The compiled catalog this request is decided by, pinned at routing: every step reads this one.</summary>
    public CompiledCatalog? Catalog { get; private set; }

    /// <summary>The matched API compiled with <see cref="Catalog"/> (set right after routing), or null when nothing matched.</summary>
    public CompiledApi? Route { get; private set; }

    /// <summary>The matched API version, or null when nothing matched.</summary>
    public PublishedApi? Api { get; set; }

    /// <summary>The matched API's group.</summary>
    public ApiGroup? Group { get; set; }

    /// <summary>Pins the catalog and the API that routing matched.</summary>
    public void Pin(CompiledCatalog catalog, CompiledApi route)
    {
        Catalog = catalog;
        Route = route;
        Api = route.Api;
        Group = route.Group;
    }

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

    /// <summary>The caller's body once a step has read it (<see cref="RequestBody.ReadAsync"/>); null until then.</summary>
    public RequestBody? Body { get; set; }

    /// <summary>The body MAPPING mode sends instead of the caller's (empty when it sends none); null otherwise.</summary>
    public byte[]? BackendBody { get; set; }

    /// <summary>
    /// Whether constants or system parameters edited the caller's query that a PASSTHROUGH call sends (YARP's query
    /// context then holds it as a collection, to be written once with <see cref="Parameters.BackendQuery"/>).
    /// </summary>
    public bool BackendQueryEdited { get; set; }

    /// <summary>The query MAPPING mode wrote for the backend (the caller's is never sent then); null otherwise.</summary>
    public QueryString? MappedQuery { get; set; }

    /// <summary>The backend a routing policy sent the call to instead of the API's own; null when it went to the API's.</summary>
    public string? RoutedBackend { get; set; }

    /// <summary>The admitting throttle level with the least budget left, for the RateLimit headers; null when no policy limits the call.</summary>
    public QuotaTake? RateLimit { get; set; }
    /// <summary>The routing policy's rule that took the call (its host header and path), or null.</summary>
    public Policies.Routing.BackendRouter.Rule? RoutedRule { get; set; }

    /// <summary>The backend the call goes to: a routing rule's, else the API's own.</summary>
    public string? Backend => RoutedBackend ?? Api?.Definition.Backend;

    /// <summary>The error the gateway answered with (set by <see cref="GatewayErrorWriter"/>), or null when it forwarded the call.</summary>
    public GatewayError? Error { get; set; }

    /// <summary>
    /// Set when reading the caller's body failed on the caller's side (it hung up or cut the body short): whatever
    /// a later step makes of the broken stream, the failure is the caller's, not the backend's or the gateway's.
    /// </summary>
    public bool CallerLeft { get; set; }

    /// <summary>The caller went away: its connection closed, or its body broke off.</summary>
    public bool CallerGone(HttpContext context) => CallerLeft || context.RequestAborted.IsCancellationRequested;

    /// <summary>Answered by the API's mock rather than its backend (metering tells the two apart).</summary>
    public bool MockAnswered { get; set; }

    /// <summary>The call was billed to one of the app's prepaid packages: an invoice does not charge it again.</summary>
    public bool PaidByPackage { get; set; }
}

public static class GatewayRequestExtensions
{
    public static GatewayRequest GetGatewayRequest(this HttpContext context) =>
        context.Features.Get<GatewayRequest>() ?? throw new InvalidOperationException("UseRequestIds must run first");
}
