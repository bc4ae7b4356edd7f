using System.Net;
using Gateway.Catalog;
using Gateway.Frontend.Pipeline;
using Gateway.Policies.Routing;
using Gateway.Security;
using Microsoft.AspNetCore.Routing.Template;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Frontend.Policies.Routing;

/// <summary>
/// A routing policy compiled for the hot path: the rules in order, each with its conditions, its backend and that
/// backend's own path. A proxy step picks the first rule that takes the call (<see cref="Choose"/>) and sends it to the
/// rule's backend, whose addresses are balanced as the API's own are; the backend request transform then gives it the
/// rule's host header and path (<see cref="Apply"/>).
/// </summary>
public sealed class BackendRouter
{
    private readonly Rule[] _rules;

    private BackendRouter(Rule[] rules) => _rules = rules;

    /// <summary>The backends the rules name: each needs its YARP cluster next to the API's own.</summary>
    public IEnumerable<Backend> Backends => _rules.Select(r => r.Target).DistinctBy(b => b.Name);

    /// <param name="backends">The snapshot's backends by name.</param>
    public static BackendRouter Compile(RoutingSettings settings, IReadOnlyDictionary<string, Backend> backends) => new(
        [.. settings.Rules.Where(r => backends.ContainsKey(r.Backend)).Select(r => Rule.Compile(r, backends[r.Backend]))]);

    /// <summary>The first rule that takes the call, recorded on the request (for the transform and the access log); null when none does.</summary>
    public Rule? Choose(HttpContext http)
    {
        var request = http.GetGatewayRequest();
        foreach (var rule in _rules)
        {
            if (rule.Takes(http, request))
            {
                request.RoutedBackend = rule.Backend;
                request.RoutedRule = rule;
                return rule;
            }
        }

        return null;
    }

    /// <summary>The chosen rule's host header and backend path, as a step of the backend request transform.</summary>
    public static void Apply(RequestTransformContext context, TemplateBinderFactory binders)
    {
        if (context.HttpContext.GetGatewayRequest().RoutedRule is not { } rule)
        {
            return;
        }

        if (rule.HostHeader is { } host)
        {
            context.ProxyRequest.Headers.Host = host;
        }

        if (rule.BackendPath is not null)
        {
            rule.PathFrom(binders).ApplyAsync(context);
        }
    }

    public sealed class Rule
    {
        private readonly int _weight;
        private readonly Condition[] _when;
        private PathRouteValuesTransform? _path;

        private Rule(Backend target, string? backendPath, int weight, Condition[] when)
        {
            Target = target;
            BackendPath = backendPath;
            _weight = weight;
            _when = when;
        }

        public Backend Target { get; }

        public string Backend => Target.Name;

        public string? HostHeader => Target.HostHeader;

        /// <summary>The rule's own backend path template; null: the API's.</summary>
        public string? BackendPath { get; }

        public static Rule Compile(RoutingRule rule, Backend backend) =>
            new(backend, rule.BackendPath, rule.Weight ?? 100, [.. rule.When.Select(Condition.Compile)]);

        /// <summary>Fills the rule's backend path with the route's values, as the API's own path transform does.</summary>
        public PathRouteValuesTransform PathFrom(TemplateBinderFactory binders) => _path ??= new PathRouteValuesTransform(BackendPath!, binders);

        public bool Takes(HttpContext http, GatewayRequest request)
        {
            foreach (var condition in _when)
            {
                if (!condition.Holds(http, request))
                {
                    return false;
                }
            }

            // A weighted split is drawn per call: over many calls the share converges on the weight.
            return _weight >= 100 || Random.Shared.Next(100) < _weight;
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
