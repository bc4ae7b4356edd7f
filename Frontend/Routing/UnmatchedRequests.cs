using Gateway.Frontend.Catalog;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Hosting;
using Yarp.ReverseProxy.Model;

namespace Gateway.Frontend.Routing;

/// <summary>
/// Pins the compiled catalog and the matched API version on the <see cref="GatewayRequest"/>, and answers requests that no published API matches with the gateway's 404 (including a known path with an
/// unpublished method, which routing alone would answer with a bare 405).
/// </summary>
public static class UnmatchedRequests
{
    /// <summary>Belongs right after routing.</summary>
    public static IApplicationBuilder UseUnmatchedRequests(this IApplicationBuilder app)
    {
        // Resolved once: a service looked up through RequestServices makes a DI scope for every request.
        var store = app.ApplicationServices.GetRequiredService<CatalogSnapshotStore>();
        return app.Use((context, next) => Route(context, next, store));
    }

    private static Task Route(HttpContext context, RequestDelegate next, CatalogSnapshotStore store)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<RouteModel>() is { } route && store.TryFindRoute(route.Config, out var catalog, out var api)
            && (!HttpMethods.IsConnect(context.Request.Method) || IsWebSocketOverHttp2(context)))
        {
            context.GetGatewayRequest().Pin(catalog, api);
            return next(context);
        }

        if (endpoint?.Metadata.GetMetadata<HostEndpoint>() is not null)
        {
            return next(context);
        }

        // A debug call of an unpublished draft has its catalog and API pinned already (Debugging/DraftRoutes).
        if (context.GetGatewayRequest().Route is not null)
        {
            return next(context);
        }

        return GatewayErrorWriter.WriteAsync(context, store.IsLoaded ? GatewayError.ApiNotFound : GatewayError.CatalogNotLoaded);
    }

    /// <summary>A GET API's route also matches CONNECT (see <see cref="Pipeline.GatewayPipeline"/>), for this one kind of CONNECT only.</summary>
    private static bool IsWebSocketOverHttp2(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect
        && string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase);
}
