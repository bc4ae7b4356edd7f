namespace Gateway.Frontend.Pipeline;

/// <summary>
/// Gives every request an id, answered in X-Ca-Request-Id and forwarded to the backend, so that one call
/// can be followed from client to backend logs. A client cannot choose it.
/// </summary>
public static class RequestIds
{
    public const string Header = "X-Ca-Request-Id";

    public static string Get(HttpContext context) => context.Features.Get<GatewayRequest>()?.RequestId ?? "";

    /// <summary>The first step of the pipeline.</summary>
    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var id = Guid.NewGuid().ToString("D").ToUpperInvariant();
        context.Features.Set(new GatewayRequest { RequestId = id, ClientIp = context.Connection.RemoteIpAddress });
        context.Request.Headers[Header] = id;

        // Set when the response starts, so that a backend's own X-Ca-Request-Id cannot replace the gateway's.
        context.Response.OnStarting(static state =>
        {
            var (ctx, requestId) = ((HttpContext, string))state;
            ctx.Response.Headers[Header] = requestId;
            return Task.CompletedTask;
        }, (context, id));
        return next(context);
    });
}
