using System.Text.RegularExpressions;

namespace Gateway.Catalog;

/// <summary>
/// Checks a whole catalog state and reports every problem at once, so that an operator fixes a document in
/// one round instead of one error at a time.
/// </summary>
public static partial class CatalogValidator
{
    public static readonly IReadOnlySet<string> KnownMethods =
        new HashSet<string>(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], StringComparer.Ordinal);

    private const int MaxTimeoutMs = 600_000;

    /// <summary>Paths every gateway host answers itself; an API there could never be reached.</summary>
    public static readonly IReadOnlyList<string> ReservedPaths = ["/health/live", "/health/ready", "/metrics"];

    /// <param name="settings">Rules that differ by deployment; none: the defaults.</param>
    public static List<CatalogError> Validate(CatalogState state, CatalogSettings? settings = null)
    {
        settings ??= new CatalogSettings();
        var errors = new List<CatalogError>();
        foreach (var group in state.Groups.Values)
        {
            ValidateGroup(group, errors);
        }

        ValidateDomainOwnership(state, errors);

        foreach (var backend in state.Backends.Values)
        {
            ValidateBackend(backend, errors, settings);
        }

        foreach (var api in state.Apis.Values)
        {
            ValidateApi(api, $"apis[{api.Id}]", state, errors);
        }

        foreach (var (apiId, stages) in state.Deployments)
        {
            foreach (var (stage, status) in stages)
            {
                var version = status.Version;
                var published = state.FindVersion(apiId, version);
                var where = $"apis[{apiId}].stages[{stage}]";
                if (published is null)
                {
                    errors.Add(new(where, "UnknownVersion", $"version {version} does not exist"));
                    continue;
                }

                // The published definition was valid when published; what it refers to may have gone since.
                if (!state.Groups.ContainsKey(published.Definition.Group))
                {
                    errors.Add(new(where, "GroupInUse", $"version {version} is live in {stage} and needs group '{published.Definition.Group}'"));
                }

                if (!state.Backends.ContainsKey(published.Definition.Backend))
                {
                    errors.Add(new(where, "BackendInUse", $"version {version} is live in {stage} and needs backend '{published.Definition.Backend}'"));
                }
            }
        }

        ValidateRouteCollisions(state, errors);
        ValidateCallerSecurity(state, errors);
        ValidateEdge(state, errors);
        ValidateThrottling(state, errors);
        ValidatePolicies(state, errors);
        foreach (var rule in state.AlertRules.Values)
        {
            Gateway.Monitoring.AlertRuleValidator.Validate(rule, state, errors);
        }

        Gateway.Metering.MeteringValidator.Validate(state, errors);

        return errors;
    }

    public static void ValidateGroup(ApiGroup group, List<CatalogError> errors)
    {
        var where = $"groups[{group.Name}]";
        CheckName(group.Name, where + ".name", errors);
        foreach (var domain in group.Domains)
        {
            if (!IsHostPattern(domain))
            {
                errors.Add(new(where + ".domains", "BadDomain", $"'{domain}' is not a host name (such as 'api.example.com' or '*.example.com')"));
            }
        }

        if (group.Domains.Distinct(StringComparer.OrdinalIgnoreCase).Count() != group.Domains.Length)
        {
            errors.Add(new(where + ".domains", "DuplicateDomain", "a domain is listed twice"));
        }

        if (!string.IsNullOrEmpty(group.BasePath))
        {
            if (!PathTemplate.TryParse(group.BasePath, out var template, out var problems))
            {
                errors.AddRange(problems.Select(p => new CatalogError(where + ".basePath", "BadTemplate", $"'{group.BasePath}' {p}")));
            }
            else if (template.ParameterNames.Any())
            {
                errors.Add(new(where + ".basePath", "BadTemplate", "a base path cannot hold parameters"));
            }
        }
    }

    public static void ValidateBackend(Backend backend, List<CatalogError> errors, CatalogSettings? settings = null)
    {
        var where = $"backends[{backend.Name}]";
        CheckName(backend.Name, where + ".name", errors);
        if (backend.Addresses.Length == 0)
        {
            errors.Add(new(where + ".addresses", "MissingAddress", "a backend needs at least one address"));
        }

        foreach (var address in backend.Addresses)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https")
                || string.IsNullOrEmpty(uri.Host)
                || !string.IsNullOrEmpty(uri.Query)
                || !string.IsNullOrEmpty(uri.Fragment)
                || !string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add(new(where + ".addresses", "BadAddress", $"'{address}' is not an absolute http:// or https:// address without query, fragment or credentials"));
            }
            else
            {
                CheckBackendAddress(uri, address, where + ".addresses", settings ?? new CatalogSettings(), errors);
            }
        }

        if (backend.HostHeader is { } host && !IsHostHeader(host))
        {
            errors.Add(new(where + ".hostHeader", "BadHostHeader", $"'{host}' is not a host name with an optional port"));
        }

        CheckRange(backend.ConnectTimeoutMs, 1, MaxTimeoutMs, where + ".connectTimeoutMs", errors);
        CheckRange(backend.RequestTimeoutMs, 1, MaxTimeoutMs, where + ".requestTimeoutMs", errors);
        if (backend.HealthCheck is { } check)
        {
            if (!check.Path.StartsWith('/'))
            {
                errors.Add(new(where + ".healthCheck.path", "BadPath", "must start with '/'"));
            }

            CheckRange(check.IntervalSeconds, 1, 3600, where + ".healthCheck.intervalSeconds", errors);
            CheckRange(check.TimeoutSeconds, 1, 600, where + ".healthCheck.timeoutSeconds", errors);
            CheckRange(check.UnhealthyThreshold, 1, 100, where + ".healthCheck.unhealthyThreshold", errors);
        }
    }

    public static void ValidateApi(ApiDefinition api, string where, CatalogState state, List<CatalogError> errors)
    {
        CheckName(api.Id, where + ".id", errors);
        if (string.IsNullOrWhiteSpace(api.Name))
        {
            errors.Add(new(where + ".name", "Required", "an API needs a name"));
        }

        if (!state.Groups.TryGetValue(api.Group, out var group))
        {
            errors.Add(new(where + ".group", "UnknownGroup", $"there is no group '{api.Group}'"));
        }
        else
        {
            ValidatePublicPath(group.BasePath, api.Path, where + ".path", errors);
        }

        if (!state.Backends.ContainsKey(api.Backend))
        {
            errors.Add(new(where + ".backend", "UnknownBackend", $"there is no backend '{api.Backend}'"));
        }

        if (api.Methods.Length == 0)
        {
            errors.Add(new(where + ".methods", "Required", "an API needs at least one HTTP method"));
        }

        foreach (var method in api.Methods.Where(m => !KnownMethods.Contains(m)))
        {
            errors.Add(new(where + ".methods", "BadMethod", $"'{method}' is not one of {string.Join(", ", KnownMethods)}"));
        }

        if (api.Methods.Distinct(StringComparer.Ordinal).Count() != api.Methods.Length)
        {
            errors.Add(new(where + ".methods", "DuplicateMethod", "a method is listed twice"));
        }

        if (!Enum.IsDefined(api.AuthType))
        {
            errors.Add(new(where + ".authType", "BadAuthType", $"'{api.AuthType}' is not a known authentication type"));
        }

        var pathOk = PathTemplate.TryParse(api.Path, out var path, out var pathProblems);
        errors.AddRange(pathProblems.Select(p => new CatalogError(where + ".path", "BadTemplate", $"'{api.Path}' {p}")));
        PathTemplate? backendPath = null;
        if (api.BackendPath is not null)
        {
            if (!PathTemplate.TryParse(api.BackendPath, out backendPath, out var backendProblems))
            {
                backendPath = null;
                errors.AddRange(backendProblems.Select(p => new CatalogError(where + ".backendPath", "BadTemplate", $"'{api.BackendPath}' {p}")));
            }
            else if (pathOk && api.RequestMode != RequestMode.Mapping)
            {
                // In MAPPING mode the backend path's {params} may come from any location; ValidateParameters checks them.
                var known = path.ParameterNames.ToHashSet(StringComparer.OrdinalIgnoreCase);
                foreach (var missing in backendPath.ParameterNames.Where(n => !known.Contains(n)))
                {
                    errors.Add(new(where + ".backendPath", "UnknownParameter", $"'{{{missing}}}' is not a parameter of the path '{api.Path}'"));
                }
            }
        }

        if (api.TimeoutMs is { } timeout)
        {
            CheckRange(timeout, 1, MaxTimeoutMs, where + ".timeoutMs", errors);
        }

        ValidateParameters(api, where, pathOk ? path : null, backendPath, errors);
    }

    /// <summary>
    /// Two groups may not claim the same host name, and only one group may answer on any host: otherwise a
    /// request could belong to either.
    /// </summary>
    private static void ValidateDomainOwnership(CatalogState state, List<CatalogError> errors)
    {
        var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in state.Groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            foreach (var domain in group.Domains)
            {
                if (owners.TryGetValue(domain, out var owner) && owner != group.Name)
                {
                    errors.Add(new($"groups[{group.Name}].domains", "DomainTaken", $"'{domain}' already belongs to group '{owner}'"));
                }
                else
                {
                    owners[domain] = group.Name;
                }
            }
        }
    }

    /// <summary>
    /// In one stage, two live APIs that share a host may not answer the same method on the same path shape,
    /// or routing would have to guess.
    /// </summary>
    private static void ValidateRouteCollisions(CatalogState state, List<CatalogError> errors)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (apiId, stages) in state.Deployments.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            foreach (var (stage, status) in stages)
            {
                var definition = state.FindVersion(apiId, status.Version)?.Definition;
                if (definition is null || !state.Groups.TryGetValue(definition.Group, out var group)
                    || !PathTemplate.TryParse(PathTemplate.Combine(group.BasePath, definition.Path), out var template, out _))
                {
                    continue;
                }

                // The draft's own check covers a live version on the draft's path; one elsewhere is checked here.
                if (state.Apis.GetValueOrDefault(apiId) is not { } draft || draft.Group != definition.Group || draft.Path != definition.Path)
                {
                    ValidatePublicPath(group.BasePath, definition.Path, $"apis[{apiId}].stages[{stage}].path", errors);
                }

                string[] hosts = group.Domains.Length == 0 ? ["*"] : [.. group.Domains.Select(d => d.ToLowerInvariant())];
                foreach (var host in hosts)
                {
                    foreach (var method in definition.Methods)
                    {
                        var key = $"{stage} {host} {method} {template.Shape}";
                        if (seen.TryGetValue(key, out var other) && other != apiId)
                        {
                            errors.Add(new($"apis[{apiId}].stages[{stage}]", "DuplicateRoute",
                                $"{method} {template.Text} on {(host == "*" ? "any host" : host)} is already served in {stage} by API '{other}'"));
                        }
                        else
                        {
                            seen[key] = apiId;
                        }
                    }
                }
            }
        }
    }

    internal static void CheckName(string? name, string where, List<CatalogError> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new(where, "Required", "a name is required"));
        }
        else if (!NamePattern().IsMatch(name))
        {
            errors.Add(new(where, "BadName", $"'{name}' must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit"));
        }
    }

    private static void CheckRange(int value, int min, int max, string where, List<CatalogError> errors)
    {
        if (value < min || value > max)
        {
            errors.Add(new(where, "OutOfRange", $"{value} is not between {min} and {max}"));
        }
    }

    private static bool IsHostPattern(string domain) =>
        domain.StartsWith("*.", StringComparison.Ordinal) ? IsHostName(domain[2..]) : IsHostName(domain);

    private static bool IsHostHeader(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon > 0 && !value.Contains(']'))
        {
            return IsHostName(value[..colon]) && int.TryParse(value[(colon + 1)..], out var port) && port is > 0 and < 65536;
        }

        return IsHostName(value);
    }

    private static bool IsHostName(string host) =>
        host.Length is > 0 and <= 253 && Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();
}
