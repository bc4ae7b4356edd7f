namespace Gateway.Catalog;

/// <summary>
/// Puts records that came from JSON, YAML or an older client into canonical form before validation:
/// absent lists become empty, names are trimmed, methods upper case, domains lower case.
/// </summary>
public static class CatalogNormalizer
{
    public static ApiGroup Normalize(ApiGroup group) => group with
    {
        Name = (group.Name ?? "").Trim(),
        Domains = [.. (group.Domains ?? []).Select(d => (d ?? "").Trim().ToLowerInvariant())],
        BasePath = (group.BasePath ?? "").Trim(),
    };

    public static Backend Normalize(Backend backend) => backend with
    {
        Name = (backend.Name ?? "").Trim(),
        Addresses = [.. (backend.Addresses ?? []).Select(a => (a ?? "").Trim())],
        HostHeader = string.IsNullOrWhiteSpace(backend.HostHeader) ? null : backend.HostHeader.Trim(),
    };

    public static ApiDefinition Normalize(ApiDefinition api) => api with
    {
        Id = (api.Id ?? "").Trim(),
        Group = (api.Group ?? "").Trim(),
        Name = (api.Name ?? "").Trim(),
        Methods = [.. (api.Methods ?? []).Select(m => (m ?? "").Trim().ToUpperInvariant())],
        Path = (api.Path ?? "").Trim(),
        Backend = (api.Backend ?? "").Trim(),
        BackendPath = string.IsNullOrWhiteSpace(api.BackendPath) ? null : api.BackendPath.Trim(),
    };

    public static CatalogDocument Normalize(CatalogDocument document) => document with
    {
        Groups = [.. (document.Groups ?? []).Where(g => g is not null).Select(Normalize)],
        Backends = [.. (document.Backends ?? []).Where(b => b is not null).Select(Normalize)],
        Apis = [.. (document.Apis ?? []).Where(a => a is not null).Select(Normalize)],
        Deployments = [.. (document.Deployments ?? []).Where(d => d is not null)],
        AlertRules = [.. (document.AlertRules ?? []).Where(r => r is not null)],
    };
}
