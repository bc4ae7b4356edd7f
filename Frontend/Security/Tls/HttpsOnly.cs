using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Gateway.Frontend.Security.Tls;

/// <summary>
/// APIs marked httpsOnly over plain HTTP (the HTTP/1.1 and h2c listeners): GET and HEAD get a 308 redirect
/// to the same URL over HTTPS, which a browser or client follows safely; anything else gets 403 A403HS,
/// because a redirected POST would already have sent its body in clear.
/// </summary>
internal sealed class HttpsOnly(RequestDelegate next, TlsSettings settings, FrontendSettings frontend, IServer server)
{
    private int? _port;

    public Task Invoke(HttpContext context)
    {
        if (context.Request.IsHttps || context.GetGatewayRequest().Api?.Definition.HttpsOnly != true)
        {
            return next(context);
        }

        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return GatewayErrorWriter.WriteAsync(context, GatewayError.HttpsRequired, "call it with https://");
        }

        var port = _port ??= settings.RedirectPort ?? BoundHttpsPort() ?? frontend.HttpsPort;
        var host = request.Host.Host;
        if (host.Contains(':'))
        {
            host = $"[{host.Trim('[', ']')}]";
        }

        var authority = port == 443 ? host : $"{host}:{port}";
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = $"https://{authority}{request.PathBase}{request.Path}{request.QueryString}";
        return Task.CompletedTask;
    }

    private int? BoundHttpsPort() => server.Features.Get<IServerAddressesFeature>()?.Addresses
        .Where(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        .Select(a => BindingAddress.Parse(a).Port)
        .Cast<int?>()
        .FirstOrDefault();
}

public static class HttpsOnlyExtensions
{
    /// <summary>Belongs right after <c>UseUnmatchedRequests</c>: it needs the matched API and costs nothing for others.</summary>
    public static IApplicationBuilder UseHttpsOnly(this IApplicationBuilder app) => app.UseMiddleware<HttpsOnly>();
}
