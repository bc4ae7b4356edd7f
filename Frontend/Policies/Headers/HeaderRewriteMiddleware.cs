using Gateway.Frontend.Pipeline;

namespace Gateway.Frontend.Policies.Headers;

/// <summary>
/// The response half of the API's header rewrite policy, applied as the answer starts so that it covers every answer,
/// the gateway's own errors included. (The request half is a transform of the backend request.)
/// </summary>
internal sealed class HeaderRewriteMiddleware(RequestDelegate next)
{
    private static readonly Func<object, Task> Rewrite = static state =>
    {
        var context = (HttpContext)state;
        context.GetGatewayRequest().Route?.Policies.Headers?.Apply(context);
        return Task.CompletedTask;
    };

    public Task Invoke(HttpContext context)
    {
        if (context.GetGatewayRequest().Route?.Policies.Headers is { RewritesResponse: true })
        {
            context.Response.OnStarting(Rewrite, context);
        }

        return next(context);
    }
}

public static class AppBuilderHeaderRewriteExtensions
{
    /// <summary>Belongs right after the request has its API, so that the rewrites reach every answer after it.</summary>
    public static IApplicationBuilder UseHeaderRewrites(this IApplicationBuilder app) => app.UseMiddleware<HeaderRewriteMiddleware>();
}
