using Gateway.Catalog;

namespace Gateway.SdkGenerator.Model;

/// <summary>Takes what is published in a stage (never a draft) out of a catalog snapshot.</summary>
public static class ApiSurfaceBuilder
{
    private static readonly string[] MethodOrder = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    /// <summary>The group's surface in the stage, or null when the group does not exist.</summary>
    /// <param name="gatewayAddress">Where callers reach the gateway when the group names no domain.</param>
    /// <param name="include">Which APIs to take (an app's grants); null for every API published in the stage.</param>
    public static ApiSurface? Build(CatalogSnapshot snapshot, string groupName, string stage, Uri gatewayAddress, Func<string, bool>? include = null)
    {
        var group = snapshot.Groups.FirstOrDefault(g => g.Name == groupName);
        if (group is null)
        {
            return null;
        }

        var operations = snapshot.Apis
            .Where(a => a.Stage == stage && a.Definition.Group == groupName && (include is null || include(a.Definition.Id)))
            .SelectMany(a => Operations(group, a))
            .OrderBy(o => o.Path, StringComparer.Ordinal)
            .ThenBy(o => Array.IndexOf(MethodOrder, o.Method))
            .ToList();
        var providers = operations
            .Select(o => o.OpenIdConnect?.Provider)
            .Where(p => p is not null)
            .Distinct(StringComparer.Ordinal)
            .Select(name => snapshot.IdentityProviders.FirstOrDefault(p => p.Name == name))
            .Where(p => p is not null)
            .Select(p => new IdentityProviderInfo(p!.Name, p.DiscoveryUrl ?? p.Issuer.TrimEnd('/') + "/.well-known/openid-configuration"))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();

        return new ApiSurface
        {
            Group = group.Name,
            Stage = stage,
            Revision = snapshot.Revision,
            Description = group.Description,
            Servers = Servers(group, gatewayAddress),
            Operations = operations,
            IdentityProviders = providers,
        };
    }

    /// <summary>The surfaces of every group where the app holds a grant in the stage that has not expired.</summary>
    public static IReadOnlyList<ApiSurface> BuildForApp(CatalogSnapshot snapshot, string appId, string stage, Uri gatewayAddress, DateTimeOffset now)
    {
        var granted = snapshot.Grants
            .Where(g => g.App == appId && g.Stage == stage && (g.ExpiresAt is null || g.ExpiresAt > now))
            .Select(g => g.Api)
            .ToHashSet(StringComparer.Ordinal);
        return snapshot.Apis
            .Where(a => a.Stage == stage && granted.Contains(a.Definition.Id))
            .Select(a => a.Definition.Group)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(g => Build(snapshot, g, stage, gatewayAddress, granted.Contains))
            .Where(s => s is { Operations.Count: > 0 })
            .Select(s => s!)
            .ToList();
    }

    private static IEnumerable<ApiOperation> Operations(ApiGroup group, PublishedApi published)
    {
        var api = published.Definition;
        var path = PathTemplate.Combine(group.BasePath, api.Path);
        var methods = api.Methods.Select(m => m.ToUpperInvariant()).Distinct().OrderBy(m => Array.IndexOf(MethodOrder, m)).ToList();
        foreach (var method in methods)
        {
            yield return new ApiOperation
            {
                OperationId = methods.Count == 1 ? api.Id : $"{api.Id}-{method.ToLowerInvariant()}",
                ApiId = api.Id,
                Name = api.Name,
                Description = api.Description,
                Method = method,
                Path = path,
                Version = published.Version,
                AuthType = api.AuthType,
                NonceRequired = api.NonceRequired,
                SignatureMethods = api.SignatureMethods,
                OpenIdConnect = api.OpenIdConnect,
                Parameters = Parameters(api, path),
                Body = api.Parameters.FirstOrDefault(p => p.Location == ParameterLocation.Body),
                MaxBodyBytes = api.MaxBodyBytes,
                Mock = api.Mock is { } mock && (mock.Stages.Length == 0 || mock.Stages.Contains(published.Stage)) ? mock : null,
            };
        }
    }

    /// <summary>Every path parameter of the template (declared or not: callers must send each), then the others.</summary>
    private static List<ApiParameter> Parameters(ApiDefinition api, string path)
    {
        var list = new List<ApiParameter>();
        foreach (var name in PathParameterNames(path))
        {
            list.Add(api.Parameters.FirstOrDefault(p => p.Location == ParameterLocation.Path && p.Name == name) is { } declared
                ? declared with { Required = true }
                : new ApiParameter { Name = name, Location = ParameterLocation.Path, Required = true });
        }

        list.AddRange(api.Parameters.Where(p => p.Location is ParameterLocation.Query or ParameterLocation.Header or ParameterLocation.Form));
        return list;
    }

    internal static IEnumerable<string> PathParameterNames(string path) =>
        path.Split('/').Where(s => s.Length > 2 && s[0] == '{' && s[^1] == '}').Select(s => s[1..^1]);

    private static List<ServerAddress> Servers(ApiGroup group, Uri gatewayAddress)
    {
        if (group.Domains.Length == 0)
        {
            return [new ServerAddress(gatewayAddress.ToString().TrimEnd('/'), "The gateway", null)];
        }

        return group.Domains
            .OrderBy(d => d.StartsWith("*.", StringComparison.Ordinal))
            .ThenBy(d => d, StringComparer.Ordinal)
            .Select(d => d.StartsWith("*.", StringComparison.Ordinal)
                ? new ServerAddress($"{gatewayAddress.Scheme}://{{subdomain}}.{d[2..]}", $"Any host under {d[2..]}", "api")
                : new ServerAddress($"{gatewayAddress.Scheme}://{d}", null, null))
            .ToList();
    }
}
