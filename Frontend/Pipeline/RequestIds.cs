using System.Security.Cryptography;

namespace Gateway.Frontend.Pipeline;

/// <summary>
/// Gives every request an id, answered in X-Ca-Request-Id and forwarded to the backend, so that one call
/// can be followed from client to backend logs. A client cannot choose it.
/// </summary>
public static class RequestIds
{
    public const string Header = "X-Ca-Request-Id";

    /// <summary>
    /// The first 16 hex digits of every id this process gives, drawn once at random: with the counter below
    /// they keep ids unique across replicas and restarts without a random draw (a system call) per request.
    /// </summary>
    private static readonly string Prefix = NewPrefix();

    private static long _next;

    public static string Get(HttpContext context) => context.Features.Get<GatewayRequest>()?.RequestId ?? "";

    /// <summary>
    /// A new id, shaped like an upper-case UUID (8-4-4-4-12 hex digits) as Alibaba Cloud API Gateway's are,
    /// so that clients that parse or store it as one keep working: the process prefix, then a counter.
    /// </summary>
    public static string Next()
    {
        var n = (ulong)Interlocked.Increment(ref _next);
        return string.Create(36, n, static (span, n) =>
        {
            Prefix.CopyTo(span); // 19 characters: three groups and their dashes; the counter fills the last two
            Span<char> hex = stackalloc char[16];
            n.TryFormat(hex, out _, "X16");
            hex[..4].CopyTo(span[19..]);
            span[23] = '-';
            hex[4..].CopyTo(span[24..]);
        });
    }

    private static string NewPrefix()
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        var hex = Convert.ToHexString(random); // 16 upper-case digits
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-";
    }

    /// <summary>The first step of the pipeline.</summary>
    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var id = Next();
        context.Features.Set(new GatewayRequest { RequestId = id, ClientIp = context.Connection.RemoteIpAddress });
        context.Request.Headers[Header] = id;

        // Set when the response starts, so that a backend's own X-Ca-Request-Id cannot replace the gateway's.
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            ctx.Response.Headers[Header] = ctx.Features.Get<GatewayRequest>()!.RequestId;
            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
