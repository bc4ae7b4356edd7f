using System.Net;
using Gateway.Catalog;
using Gateway.Frontend.Pipeline;
using Gateway.Policies.Routing;
using Gateway.Security;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Frontend.Policies.Routing;

/// <summary>
/// A routing policy compiled for the hot path: the rules in order, each with its conditions and its backend's address.
/// As a step of the backend request transform it sends the call to the first rule's backend that takes it, and
/// records the choice on the request (for the access log).
/// </summary>
public sealed class BackendRouter
{
    private readonly Rule[] _rules;

    private BackendRouter(Rule[] rules) => _rules = rules;

    /// <param name="backends">The snapshot's backends by name.</param>
    public static BackendRouter Compile(RoutingSettings settings, IReadOnlyDictionary<string, Backend> backends) => new(
        [.. settings.Rules.Where(r => backends.ContainsKey(r.Backend)).Select(r => Rule.Compile(r, backends[r.Backend]))]);

    public void Apply(RequestTransformContext context)
    {
        var http = context.HttpContext;
        var request = http.GetGatewayRequest();
        foreach (var rule in _rules)
        {
            if (rule.Takes(http, request))
            {
                context.DestinationPrefix = rule.Address;
                if (rule.HostHeader is { } host)
                {
                    context.ProxyRequest.Headers.Host = host;
                }

                request.RoutedBackend = rule.Backend;
                return;
            }
        }
    }

    private sealed record Rule(string Backend, string Address, string? HostHeader, int Weight, Condition[] When)
    {
        public static Rule Compile(RoutingRule rule, Backend backend) => new(
            backend.Name,
            backend.Addresses[0].TrimEnd('/'),
            backend.HostHeader,
            rule.Weight ?? 100,
            [.. rule.When.Select(Condition.Compile)]);

        public bool Takes(HttpContext http, GatewayRequest request)
        {
            foreach (var condition in When)
            {
                if (!condition.Holds(http, request))
                {
                    return false;
                }
            }

            // A weighted split is drawn per call: over many calls the share converges on the weight.
            return Weight >= 100 || Random.Shared.Next(100) < Weight;
        }
    }

    private sealed record Condition(RoutingSource Source, string? Name, HashSet<string> Values, IpRange[] Ranges)
    {
        public static Condition Compile(RoutingCondition condition) => new(
            condition.Source,
            condition.Name,
            new HashSet<string>(condition.Values, StringComparer.Ordinal),
            condition.Source == RoutingSource.ClientIp
                ? [.. condition.Values.Select(v => IpRange.TryParse(v, out var range, out _) ? range!.Value : default).Where(r => r.Network is not null)]
                : []);

        public bool Holds(HttpContext http, GatewayRequest request) => Source switch
        {
            RoutingSource.Header => http.Request.Headers.TryGetValue(Name!, out var header) && header.Count == 1 && Values.Contains(header.ToString()),
            RoutingSource.Query => http.Request.Query.TryGetValue(Name!, out var query) && query.Count == 1 && Values.Contains(query.ToString()),
            RoutingSource.AppId => request.AppId is { } app && Values.Contains(app),
            RoutingSource.User => request.UserId is { } user && Values.Contains(user),
            RoutingSource.ClientIp => request.ClientIp is { } ip && InRanges(ip),
            _ => false,
        };

        private bool InRanges(IPAddress ip)
        {
            foreach (var range in Ranges)
            {
                if (range.Contains(ip))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
