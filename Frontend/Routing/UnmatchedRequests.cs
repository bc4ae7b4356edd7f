using Gateway.Frontend.Catalog;
using Gateway.Frontend.Errors;
using Gateway.Silo.Hosting;
using Yarp.ReverseProxy.Model;

namespace Gateway.Frontend.Routing;

/// <summary>
/// Answers requests that no published API matches with the gateway's 404 (including a known path with an
/// unpublished method, which routing alone would answer with a bare 405).
/// </summary>
public static class UnmatchedRequests
{
    /// <summary>Belongs right after routing.</summary>
    public static IApplicationBuilder UseUnmatchedRequests(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<RouteModel>() is not null || endpoint?.Metadata.GetMetadata<HostEndpoint>() is not null)
        {
            return next(context);
        }

        var store = context.RequestServices.GetRequiredService<CatalogSnapshotStore>();
        return GatewayErrorWriter.WriteAsync(context, store.IsLoaded ? GatewayError.ApiNotFound : GatewayError.CatalogNotLoaded);
    });
}
