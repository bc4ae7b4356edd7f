using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Microsoft.Net.Http.Headers;

namespace Gateway.Frontend.Policies.Cors;

/// <summary>
/// The API's CORS policy: answers a browser's preflight itself (it carries no credentials, so it must be answered
/// before authentication, and a backend never sees it), and puts the Access-Control-* headers on every answer to an
/// allowed origin, the gateway's errors included. A refused origin gets no CORS header at all, so the browser refuses.
/// </summary>
internal sealed class CorsMiddleware(RequestDelegate next)
{
    private static readonly Func<object, Task> AddHeaders = AddHeadersOnStarting;

    public Task Invoke(HttpContext context)
    {
        var request = context.GetGatewayRequest();
        var cors = request.Route?.Policies.Cors;
        var origin = context.Request.Headers.Origin;
        var preflight = HttpMethods.IsOptions(context.Request.Method) && origin.Count > 0
            && context.Request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod);
        if (cors is null && !preflight)
        {
            return next(context);
        }

        if (preflight)
        {
            return AnswerPreflight(context, request, cors);
        }

        // A backend's own CORS headers never reach the caller: only the policy decides who may read the answer.
        context.Response.OnStarting(AddHeaders, new Answer(context, cors!, origin.Count == 1 && cors!.AllowsOrigin(origin.ToString()) ? origin.ToString() : null));
        return next(context);
    }

    private static Task AnswerPreflight(HttpContext context, GatewayRequest request, CorsRules? cors)
    {
        var headers = context.Request.Headers;
        var origin = headers.Origin.ToString();
        var method = headers[HeaderNames.AccessControlRequestMethod].ToString();
        if (cors is null || headers.Origin.Count != 1 || !cors.AllowsOrigin(origin))
        {
            return GatewayErrorWriter.WriteAsync(context, GatewayError.CorsOriginRefused);
        }

        if (!cors.AllowsMethod(method, request.Api!.Definition.Methods)
            || !cors.AllowsHeaders(headers[HeaderNames.AccessControlRequestHeaders], out var allowedHeaders))
        {
            return GatewayErrorWriter.WriteAsync(context, GatewayError.CorsRequestRefused);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status204NoContent;
        response.Headers.AccessControlAllowOrigin = cors.AllowOriginValue(origin);
        response.Headers.AccessControlAllowMethods = cors.AllowedMethods.Count > 0 ? cors.AllowedMethods : string.Join(", ", request.Api.Definition.Methods);
        if (allowedHeaders.Count > 0)
        {
            response.Headers.AccessControlAllowHeaders = allowedHeaders;
        }

        if (cors.AllowCredentials)
        {
            response.Headers.AccessControlAllowCredentials = "true";
        }

        if (cors.MaxAge.Count > 0)
        {
            response.Headers.AccessControlMaxAge = cors.MaxAge;
        }

        response.Headers.Vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
        return Task.CompletedTask;
    }

    private static Task AddHeadersOnStarting(object state)
    {
        var (context, cors, origin) = (Answer)state;
        var headers = context.Response.Headers;
        headers.Remove(HeaderNames.AccessControlAllowOrigin);
        headers.Remove(HeaderNames.AccessControlAllowCredentials);
        headers.Remove(HeaderNames.AccessControlExposeHeaders);
        headers.Remove(HeaderNames.AccessControlAllowMethods);
        headers.Remove(HeaderNames.AccessControlAllowHeaders);
        headers.Remove(HeaderNames.AccessControlMaxAge);

        // The answer differs by Origin, so that no shared cache hands one origin's answer to another.
        headers.Append(HeaderNames.Vary, "Origin");
        if (origin is not null)
        {
            headers.AccessControlAllowOrigin = cors.AllowOriginValue(origin);
            if (cors.AllowCredentials)
            {
                headers.AccessControlAllowCredentials = "true";
            }

            if (cors.ExposedHeaders.Count > 0)
            {
                headers.AccessControlExposeHeaders = cors.ExposedHeaders;
            }
        }

        return Task.CompletedTask;
    }

    private sealed record Answer(HttpContext Context, CorsRules Cors, string? Origin);
}

public static class AppBuilderCorsExtensions
{
    /// <summary>Belongs right after the request has its API, before every check that needs credentials a preflight never has.</summary>
    public static IApplicationBuilder UseCorsPolicies(this IApplicationBuilder app) => app.UseMiddleware<CorsMiddleware>();
}
