using Gateway.Security;

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
        IpAccess = Normalize(group.IpAccess),
    };

    public static Backend Normalize(Backend backend) => backend with
    {
        Name = (backend.Name ?? "").Trim(),
        Addresses = [.. (backend.Addresses ?? []).Select(a => (a ?? "").Trim())],
        HostHeader = string.IsNullOrWhiteSpace(backend.HostHeader) ? null : backend.HostHeader.Trim(),
        SigningKey = string.IsNullOrWhiteSpace(backend.SigningKey) ? null : backend.SigningKey.Trim(),
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
        SignatureMethods = [.. (api.SignatureMethods ?? []).Select(m => (m ?? "").Trim())],
        IpAccess = Normalize(api.IpAccess),
        OpenIdConnect = api.OpenIdConnect is null ? null : api.OpenIdConnect with
        {
            Provider = (api.OpenIdConnect.Provider ?? "").Trim(),
            TokenName = string.IsNullOrWhiteSpace(api.OpenIdConnect.TokenName) ? null : api.OpenIdConnect.TokenName.Trim(),
        },
        Parameters = [.. (api.Parameters ?? []).Where(p => p is not null).Select(Normalize)],
        Constants = [.. (api.Constants ?? []).Where(c => c is not null).Select(c => c with { Name = (c.Name ?? "").Trim(), Value = c.Value ?? "" })],
        SystemParameters = [.. (api.SystemParameters ?? []).Where(s => s is not null).Select(s => s with { Name = (s.Name ?? "").Trim() })],
        ContentTypes = [.. (api.ContentTypes ?? []).Select(t => (t ?? "").Trim().ToLowerInvariant())],
        Mock = api.Mock is null ? null : Normalize(api.Mock),
    };

    public static IpAccessControl? Normalize(IpAccessControl? access) => access is null ? null : new IpAccessControl
    {
        Allow = [.. (access.Allow ?? []).Where(a => a is not null).Select(a => new IpAllowEntry
        {
            Address = (a.Address ?? "").Trim(),
            App = string.IsNullOrWhiteSpace(a.App) ? null : a.App.Trim(),
        })],
        Deny = [.. (access.Deny ?? []).Select(d => (d ?? "").Trim())],
    };

    public static IdentityProvider Normalize(IdentityProvider provider) => provider with
    {
        Name = (provider.Name ?? "").Trim(),
        Issuer = (provider.Issuer ?? "").Trim(),
        DiscoveryUrl = string.IsNullOrWhiteSpace(provider.DiscoveryUrl) ? null : provider.DiscoveryUrl.Trim(),
        Jwks = string.IsNullOrWhiteSpace(provider.Jwks) ? null : provider.Jwks,
        Audiences = [.. (provider.Audiences ?? []).Select(a => (a ?? "").Trim())],
    };

    public static App Normalize(App app) => app with
    {
        Id = (app.Id ?? "").Trim(),
        Name = (app.Name ?? "").Trim(),
        Owner = (app.Owner ?? "").Trim(),
    };

    public static AppGrant Normalize(AppGrant grant) => grant with
    {
        App = (grant.App ?? "").Trim(),
        Api = (grant.Api ?? "").Trim(),
        Stage = StageName.TryNormalize((grant.Stage ?? "").Trim(), out var stage) ? stage : (grant.Stage ?? "").Trim(),
    };

    public static ApiParameter Normalize(ApiParameter parameter) => parameter with
    {
        Name = (parameter.Name ?? "").Trim(),
        BackendName = string.IsNullOrWhiteSpace(parameter.BackendName) ? null : parameter.BackendName.Trim(),
        Enum = [.. (parameter.Enum ?? []).Select(e => e ?? "")],
        Pattern = string.IsNullOrEmpty(parameter.Pattern) ? null : parameter.Pattern,
        Schema = string.IsNullOrWhiteSpace(parameter.Schema) ? null : parameter.Schema,
    };

    public static MockResponse Normalize(MockResponse mock) => mock with
    {
        Headers = [.. (mock.Headers ?? []).Where(h => h is not null).Select(h => h with { Name = (h.Name ?? "").Trim(), Value = h.Value ?? "" })],
        Body = mock.Body ?? "",
        Stages = [.. (mock.Stages ?? []).Select(s => (s ?? "").Trim().ToUpperInvariant())],
    };

    public static CatalogDocument Normalize(CatalogDocument document) => document with
    {
        Groups = [.. (document.Groups ?? []).Where(g => g is not null).Select(Normalize)],
        Backends = [.. (document.Backends ?? []).Where(b => b is not null).Select(Normalize)],
        Apis = [.. (document.Apis ?? []).Where(a => a is not null).Select(Normalize)],
        Deployments = [.. (document.Deployments ?? []).Where(d => d is not null).Select(d => d with
        {
            Api = (d.Api ?? "").Trim(),
            Stage = (d.Stage ?? "").Trim(),
            Definition = d.Definition is null ? null : Normalize(d.Definition),
        })],
        Apps = [.. (document.Apps ?? []).Where(a => a is not null).Select(Normalize)],
        Grants = [.. (document.Grants ?? []).Where(g => g is not null).Select(Normalize)],
        IdentityProviders = [.. (document.IdentityProviders ?? []).Where(p => p is not null).Select(Normalize)],
        ThrottlePolicies = [.. (document.ThrottlePolicies ?? []).Where(p => p is not null).Select(Throttling.ThrottleNormalizer.Normalize)],
        ThrottleBindings = [.. (document.ThrottleBindings ?? []).Where(b => b is not null).Select(Throttling.ThrottleNormalizer.Normalize)],
        AlertRules = [.. (document.AlertRules ?? []).Where(r => r is not null)],
        Meters = [.. (document.Meters ?? []).Where(m => m is not null).Select(Metering.MeteringNormalizer.Normalize)],
        PricePlans = [.. (document.PricePlans ?? []).Where(p => p is not null).Select(Metering.MeteringNormalizer.Normalize)],
        Packages = [.. (document.Packages ?? []).Where(p => p is not null).Select(Metering.MeteringNormalizer.Normalize)],
        Subscriptions = [.. (document.Subscriptions ?? []).Where(s => s is not null).Select(Metering.MeteringNormalizer.Normalize)],
        PackageGrants = [.. (document.PackageGrants ?? []).Where(g => g is not null).Select(Metering.MeteringNormalizer.Normalize)],
        ApiPolicies = [.. (document.ApiPolicies ?? []).Where(p => p is not null).Select(Policies.ApiPolicyNormalizer.Normalize)],
        PolicyBindings = [.. (document.PolicyBindings ?? []).Where(b => b is not null).Select(Policies.ApiPolicyNormalizer.Normalize)],
    };
}
