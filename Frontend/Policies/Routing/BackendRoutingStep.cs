using Gateway.Frontend.Pipeline;
using Gateway.Frontend.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Gateway.Frontend.Policies.Routing;

/// <summary>
/// The proxy step of the API's routing policy: a call a rule takes is reassigned to that backend's YARP cluster (built
/// next to the API's own, with the same timeout), so that its addresses are balanced, health-checked and retried exactly
/// as the API's backend's are.
/// </summary>
public static class BackendRoutingStep
{
    /// <summary>Belongs before session affinity and load balancing, which pick an address of the cluster this step chose.</summary>
    public static IReverseProxyApplicationBuilder UseBackendRouting(this IReverseProxyApplicationBuilder proxy)
    {
        // Resolved once: a service looked up through RequestServices makes a DI scope for every request.
        var lookup = proxy.ApplicationServices.GetRequiredService<IProxyStateLookup>();
        proxy.Use((HttpContext context, RequestDelegate next) =>
        {
            if (context.GetGatewayRequest().Route is { Policies.Routing: { } router } api && router.Choose(context) is { } rule)
            {
                if (lookup.TryGetCluster(ProxyConfigBuilder.ClusterId(rule.Target, api.Api.Definition), out var cluster))
                {
                    context.ReassignProxyRequest(cluster);
                }
            }

            return next(context);
        });
        return proxy;
    }
}
