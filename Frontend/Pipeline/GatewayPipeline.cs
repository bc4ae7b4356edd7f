using Gateway.Frontend.Debugging;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Forwarding;
using Gateway.Frontend.Metering;
using Gateway.Frontend.Mock;
using Gateway.Frontend.Monitoring;
using Gateway.Frontend.Parameters;
using Gateway.Frontend.Policies.Caching;
using Gateway.Frontend.Policies.CircuitBreaking;
using Gateway.Frontend.Policies.Cors;
using Gateway.Frontend.Policies.ErrorMapping;
using Gateway.Frontend.Policies.Headers;
using Gateway.Frontend.Routing;
using Gateway.Frontend.Security.BackendSignature;
using Gateway.Frontend.Security.Grants;
using Gateway.Frontend.Security.IpAccess;
using Gateway.Frontend.Security.OpenIdConnect;
using Gateway.Frontend.Security.Signature;
using Gateway.Frontend.Security.Tls;
using Gateway.Frontend.Throttling;
using Gateway.Hosting;
using Gateway.Frontend.Policies.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Frontend.Pipeline;

/// <summary>
/// The whole way of a request through the frontend, in order, in one place: every middleware, every proxy step and
/// every transform of the backend request. Each line says why it stands where it does.
/// </summary>
public static class GatewayPipeline
{
    /// <summary>The key of <see cref="IApplicationBuilder.Properties"/> by which <c>UseAuthorization</c> says it was added.</summary>
    private const string AuthorizationMiddlewareSet = "__AuthorizationMiddlewareSet";

    public static void UseGatewayPipeline(this WebApplication app)
    {
        // YARP registers the authorization services, and so WebApplication would put ASP.NET Core's authorization
        // middleware in front of everything: an async step on every call with nothing to authorize, since no route or
        // host endpoint carries authorization metadata (the gateway's own checks are the steps below). Marked as added.
        ((IApplicationBuilder)app).Properties[AuthorizationMiddlewareSet] = true;

        // The request's id and its GatewayRequest feature, which every later step reads and fills in.
        app.UseRequestIds();

        // A debug call from the admin host's Debug API is recognised (by its ticket) before anything counts or
        // spends quota for it, so that counting and throttling can leave it out.
        app.UseDebugCalls();

        // Wraps everything after it, so that it counts every answer, with its full latency and the error it carried.
        app.UseUsageCounting();

        // Inside the counting, so that the 500 it writes for an unexpected failure is counted as one.
        app.UseUnhandledErrors();

        // Routing matches on the client address (IP policies) and the stage, so both are settled before it.
        app.UseClientIp();
        app.UseStageSelection();
        app.UseRouting();

        // A debug call of an unpublished draft matched the draft route: the draft is compiled and routed for it alone.
        app.UseDraftRoutes();

        // From here on the request has its API (or was answered 404/503).
        app.UseUnmatchedRequests();

        // The API's policies that shape every answer, the gateway's refusals included, so they stand before all of them.
        // A preflight carries no credentials: CORS answers it here, before any check that needs them.
        app.UseHeaderRewrites();
        app.UseCorsPolicies();

        // The cheap refusals first: a refused scheme or address costs no signature check.
        app.UseHttpsOnly();
        app.UseIpAccessControl();

        // Authentication: the app signature, then an OpenID Connect token; then what needs the app they found.
        app.UseAppSignature();
        app.UseOpenIdConnect();
        app.UseIpAccessForApps();
        app.UseGrantAuthorization();

        // Only an authorized call has its parameters checked, and only a valid one spends quota.
        app.UseParameterValidation();
        app.UseThrottling();

        // After throttling, so that a throttled call uses none of the app's prepaid calls (and a refused one none either).
        app.UsePackageEnforcement();

        // A cached answer goes only to a call that passed every check above and was counted against its limits and its
        // package.
        app.UseApiResponseCache();

        app.MapServiceDefaults();
        app.MapReverseProxy(proxy =>
        {
            // A debug call's backend time is measured around everything the proxy does.
            proxy.UseDebugTiming();

            // Next, so that it sees the outcome of everything after it.
            proxy.UseForwardingErrors();

            // A mocked call has passed every check above, and never reaches a backend.
            proxy.UseMockResponses();

            // A routing rule picks the cluster (the canary backend) before an address of it is picked.
            proxy.UseBackendRouting();

            // Knows the backend now; an open breaker answers before an address is picked or the backend is called.
            proxy.UseCircuitBreakers();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        }).ConfigureEndpoints(endpoints =>
        {
            endpoints.Add(AcceptCorsPreflights);
            endpoints.Add(AcceptWebSocketsOverHttp2);
        });
    }

    /// <summary>
    /// A WebSocket over HTTP/2 opens with an extended CONNECT (RFC 8441) where HTTP/1.1 sends a GET with Upgrade: a GET
    /// API matches it too, and YARP turns it into whatever the backend speaks. Kestrel refuses any other CONNECT that
    /// carries a path, and <see cref="UnmatchedRequests"/> any extended CONNECT that is not a WebSocket.
    /// </summary>
    private static void AcceptWebSocketsOverHttp2(EndpointBuilder endpoint)
    {
        if (endpoint.Metadata.OfType<HttpMethodMetadata>().FirstOrDefault() is { } methods
            && methods.HttpMethods.Contains(HttpMethods.Get) && !methods.HttpMethods.Contains(HttpMethods.Connect))
        {
            endpoint.Metadata.Remove(methods);
            endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Connect], methods.AcceptCorsPreflight));
        }
    }

    /// <summary>
    /// A browser's preflight (OPTIONS asking for GET, say) must match the GET API it asks about, so that the API's CORS
    /// policy answers it; without a policy the CORS step refuses it, and it is never forwarded.
    /// </summary>
    private static void AcceptCorsPreflights(EndpointBuilder endpoint)
    {
        if (endpoint.Metadata.OfType<HttpMethodMetadata>().FirstOrDefault() is { AcceptCorsPreflight: false } methods)
        {
            endpoint.Metadata.Remove(methods);
            endpoint.Metadata.Add(new HttpMethodMetadata(methods.HttpMethods, acceptCorsPreflight: true));
        }
    }

    /// <summary>The transforms of the backend request (<see cref="BackendRequestTransforms"/>).</summary>
    public static IServiceCollection AddBackendRequestTransforms(this IServiceCollection services)
    {
        services.AddSingleton<BackendRequestSigner>();
        services.AddSingleton<ITransformProvider, BackendRequestTransforms>();
        return services;
    }
}

/// <summary>
/// What the backend request becomes, in this order: YARP's route transforms (the path under the backend path), then
/// the API's parameter mapping, constants and system parameters, then the backend signature, last, because it must
/// cover the request exactly as it leaves, mapped values included.
/// </summary>
internal sealed class BackendRequestTransforms(BackendRequestSigner signer, TemplateBinderFactory binders) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // Host is decided by the mapping (a 'host' constant) rather than by YARP's default host transform, which would
        // otherwise run after it and put the backend's configured host back.
        if (!context.RequestTransforms.Any(t => t is RequestHeaderOriginalHostTransform))
        {
            context.RequestTransforms.Add(RequestHeaderOriginalHostTransform.SuppressHost);
        }

        context.AddRequestTransform(TransformAsync);
        context.AddResponseTransform(ServerBanners.RemoveFromBackendAnswer);

        // A backend that always answers 200 has its JSON code turned into the status the caller gets.
        context.AddResponseTransform(ErrorCodeMapper.ApplyAsync);
    }

    private ValueTask TransformAsync(RequestTransformContext context)
    {
        ParameterForwarding.Apply(context);
        var policies = context.HttpContext.GetGatewayRequest().Route?.Policies;

        // The call a routing rule sent to another backend gets that backend's host header and the rule's backend path.
        if (policies?.Routing is not null)
        {
            BackendRouter.Apply(context, binders);
        }

        // After both path transforms (the route's, a routing rule's), whose escaping it undoes for a path with an escape.
        CallerEncodedPath.Apply(context);

        // After the mapping, which may set the same headers, and before the signature, which must cover the rewrites.
        policies?.Headers?.Apply(context);
        return signer.SignAsync(context);
    }
}
