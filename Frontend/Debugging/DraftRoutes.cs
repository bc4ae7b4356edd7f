using System.Security.Cryptography;
using Gateway.Catalog;
using Gateway.Frontend.Catalog;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Parameters;
using Gateway.Frontend.Pipeline;
using Gateway.Frontend.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Frontend.Debugging;

/// <summary>
/// The way a debug call reaches an unpublished draft: one YARP route that matches any path, but only with a header
/// whose value is this process's secret, which only <see cref="DebugCallsMiddleware"/> sets, after it has checked the
/// call's ticket and read the draft. No other request can match it: nobody else knows the value. Its cluster has no
/// address; <see cref="DraftRoutesMiddleware"/> gives each such call the draft's own route and cluster.
/// </summary>
public sealed class DraftRouting : IProxyConfigProvider
{
    public const string RouteId = "debug/draft";

    /// <summary>Set on the request between the ticket check and routing, removed right after routing.</summary>
    public const string Header = "X-Ca-Debug-Route";

    private readonly string _secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
    private readonly IProxyConfig _config;

    public DraftRouting()
    {
        _config = new Config(
            [
                new RouteConfig
                {
                    RouteId = RouteId,
                    ClusterId = RouteId,

                    // Before every API route: a draft may have the path of a published version, which it stands in for.
                    Order = -1,
                    Match = new RouteMatch
                    {
                        Path = "/{**path}",
                        Headers = [new RouteHeader { Name = Header, Values = [_secret], Mode = HeaderMatchMode.ExactHeader, IsCaseSensitive = true }],
                    },
                },
            ],
            [new ClusterConfig { ClusterId = RouteId, Destinations = new Dictionary<string, DestinationConfig>() }]);
    }

    public IProxyConfig GetConfig() => _config;

    internal void SendToDraftRoute(HttpRequest request) => request.Headers[Header] = _secret;

    private sealed class Config(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        public IReadOnlyList<RouteConfig> Routes => routes;

        public IReadOnlyList<ClusterConfig> Clusters => clusters;

        /// <summary>The draft route never changes.</summary>
        public IChangeToken ChangeToken { get; } = new CancellationChangeToken(CancellationToken.None);
    }
}

/// <summary>
/// Compiles a debug call's draft against the catalog in force, as if it were published in the call's stage, and
/// replaces the draft route's endpoint with one for the draft: its route (path template, backend path), the cluster of
/// its backend, and the transforms every API gets (mapping, backend signature). The rest of the pipeline then runs as
/// for any call: the draft is pinned like a published version, and YARP's proxy steps forward it.
/// </summary>
internal sealed class DraftRoutesMiddleware(
    RequestDelegate next, CatalogSnapshotStore store, ParameterSettings parameters, IProxyStateLookup proxyState,
    ITransformBuilder transforms, IForwarderHttpClientFactory clients)
{
    private readonly TimeSpan _regexTimeout = TimeSpan.FromMilliseconds(Math.Max(1, parameters.RegexTimeoutMs));

    /// <summary>A loop, not a lambda: a lambda over the draft would make a closure on every call, draft or not.</summary>
    private static Backend? BackendNamed(Backend[]? backends, string name)
    {
        foreach (var backend in backends ?? [])
        {
            if (backend.Name == name)
            {
                return backend;
            }
        }

        return null;
    }

    public Task Invoke(HttpContext context)
    {
        if (DebugCall.Of(context)?.Draft is not { } draft)
        {
            return next(context);
        }

        context.Request.Headers.Remove(DraftRouting.Header);
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId != DraftRouting.RouteId)
        {
            return GatewayErrorWriter.WriteAsync(context, GatewayError.ApiNotFound, "the draft route did not match");
        }

        var catalog = store.Compiled;
        // Stage selection has already refused a stage that is not one.
        var stage = StageName.TryNormalize(context.Request.Headers[StageSelection.Header].ToString(), out var named) ? named : StageName.Default;
        var published = new PublishedApi { Stage = stage, Version = 0, Definition = draft };
        var api = catalog.CompileOne(published, _regexTimeout);
        var backend = BackendNamed(catalog.Snapshot?.Backends, draft.Backend);
        if (api is null || backend is null)
        {
            return GatewayErrorWriter.WriteAsync(context, GatewayError.ApiNotFound, $"the draft's group or backend is not in catalog revision {catalog.Revision}");
        }

        var cluster = ProxyConfigBuilder.Cluster(published, backend);
        var route = ProxyConfigBuilder.Route(published, api.Group, cluster.ClusterId);
        if (Mismatch(context.Request, route) is { } mismatch)
        {
            return GatewayErrorWriter.WriteAsync(context, GatewayError.ApiNotFound, $"the draft of '{draft.Id}' {mismatch}");
        }

        var model = new RouteModel(route, ClusterOf(context, cluster), transforms.Build(route, cluster));
        var metadata = endpoint.Metadata.Where(m => m is not RouteModel).Append(model);
        context.SetEndpoint(new Endpoint(endpoint.RequestDelegate, new EndpointMetadataCollection(metadata), $"draft of {draft.Id}"));
        context.GetGatewayRequest().Pin(catalog, api);
        return next(context);
    }

    /// <summary>What keeps the draft from answering this request (host, method, path), with its path values taken; null when it answers.</summary>
    private static string? Mismatch(HttpRequest request, RouteConfig route)
    {
        var hosts = route.Match.Hosts;
        var host = request.Host.Host;
        if (hosts is { Count: > 0 } && !hosts.Any(h => h.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(h[1..], StringComparison.OrdinalIgnoreCase)
                : host.Equals(h, StringComparison.OrdinalIgnoreCase)))
        {
            return $"is served on {string.Join(", ", hosts)}, not {host}";
        }

        if (route.Match.Methods is { Count: > 0 } methods && !methods.Contains(request.Method, StringComparer.OrdinalIgnoreCase))
        {
            return $"answers {string.Join(", ", methods)}, not {request.Method}";
        }

        var values = new RouteValueDictionary();
        if (!new TemplateMatcher(TemplateParser.Parse(route.Match.Path!), []).TryMatch(request.Path, values))
        {
            return $"has the path {route.Match.Path}, which {request.Path} does not match";
        }

        request.RouteValues = values;
        return null;
    }

    /// <summary>
    /// The draft's backend cluster: YARP's own when a published API already uses the same backend and timeout (its
    /// health state and connections), else one made for this call, whose client goes when the call ends.
    /// </summary>
    private ClusterState ClusterOf(HttpContext context, ClusterConfig config)
    {
        if (proxyState.TryGetCluster(config.ClusterId, out var live) && live.Model.Config.Equals(config))
        {
            return live;
        }

        var client = clients.CreateClient(new ForwarderHttpClientContext
        {
            ClusterId = config.ClusterId,
            OldConfig = HttpClientConfig.Empty,
            OldMetadata = null,
            OldClient = null,
            NewConfig = config.HttpClient ?? HttpClientConfig.Empty,
            NewMetadata = config.Metadata,
        });
        context.Response.RegisterForDispose(client);
        var destinations = config.Destinations!.Select(d => new DestinationState(d.Key, new DestinationModel(d.Value))).ToArray();
        return new ClusterState(config.ClusterId, new ClusterModel(config, client))
        {
            DestinationsState = new ClusterDestinationsState(destinations, destinations),
        };
    }
}
