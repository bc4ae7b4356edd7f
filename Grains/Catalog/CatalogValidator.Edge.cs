using Gateway.Security;

namespace Gateway.Catalog;

/// <summary>Validation of IP access rules, identity providers and OpenID Connect requirements.</summary>
public static partial class CatalogValidator
{
    private const int MaxIpEntries = 1000;

    private static void ValidateEdge(CatalogState state, List<CatalogError> errors)
    {
        foreach (var group in state.Groups.Values)
        {
            ValidateIpAccess(group.IpAccess, $"groups[{group.Name}].ipAccess", errors);
        }

        foreach (var provider in state.IdentityProviders.Values)
        {
            ValidateIdentityProvider(provider, errors);
        }

        foreach (var api in state.Apis.Values)
        {
            ValidateApiEdge(api, $"apis[{api.Id}]", state, errors);
        }

        // A published version was valid when published; the provider it names may have gone since.
        foreach (var (apiId, stages) in state.Deployments)
        {
            foreach (var (stage, status) in stages)
            {
                var provider = state.FindVersion(apiId, status.Version)?.Definition.OpenIdConnect?.Provider;
                if (provider is not null && !state.IdentityProviders.ContainsKey(provider))
                {
                    errors.Add(new($"apis[{apiId}].stages[{stage}]", "IdentityProviderInUse",
                        $"version {status.Version} is live in {stage} and needs identity provider '{provider}'"));
                }
            }
        }
    }

    public static void ValidateApiEdge(ApiDefinition api, string where, CatalogState state, List<CatalogError> errors)
    {
        ValidateIpAccess(api.IpAccess, where + ".ipAccess", errors);
        var needsToken = api.AuthType is ApiAuthType.OpenIdConnect or ApiAuthType.AppSignatureAndOpenIdConnect;
        if (needsToken && api.OpenIdConnect is null)
        {
            errors.Add(new(where + ".openIdConnect", "Required", $"authType {api.AuthType} needs openIdConnect settings naming an identity provider"));
        }

        if (api.OpenIdConnect is not { } oidc)
        {
            return;
        }

        if (!needsToken)
        {
            errors.Add(new(where + ".openIdConnect", "Unused", $"openIdConnect settings are only used with authType OpenIdConnect or AppSignatureAndOpenIdConnect, not {api.AuthType}"));
        }

        if (!state.IdentityProviders.ContainsKey(oidc.Provider))
        {
            errors.Add(new(where + ".openIdConnect.provider", "UnknownIdentityProvider", $"there is no identity provider '{oidc.Provider}'"));
        }

        if (!Enum.IsDefined(oidc.TokenLocation))
        {
            errors.Add(new(where + ".openIdConnect.tokenLocation", "BadTokenLocation", $"'{oidc.TokenLocation}' is not Bearer, Header or Query"));
        }
        else if (oidc.TokenLocation != TokenLocation.Bearer && !IsToken(oidc.TokenName))
        {
            errors.Add(new(where + ".openIdConnect.tokenName", "Required", $"tokenLocation {oidc.TokenLocation} needs tokenName: the header or query parameter that holds the token"));
        }
    }

    public static void ValidateIpAccess(IpAccessControl? access, string where, List<CatalogError> errors)
    {
        if (access is null)
        {
            return;
        }

        if (access.Allow.Length + access.Deny.Length > MaxIpEntries)
        {
            errors.Add(new(where, "TooManyEntries", $"at most {MaxIpEntries} allow and deny entries"));
        }

        for (var i = 0; i < access.Allow.Length; i++)
        {
            var entry = access.Allow[i];
            if (!IpRange.TryParse(entry.Address, out _, out var problem))
            {
                errors.Add(new($"{where}.allow[{i}].address", "BadAddress", problem));
            }

            if (entry.App is not null)
            {
                CheckName(entry.App, $"{where}.allow[{i}].app", errors);
            }
        }

        for (var i = 0; i < access.Deny.Length; i++)
        {
            if (!IpRange.TryParse(access.Deny[i], out _, out var problem))
            {
                errors.Add(new($"{where}.deny[{i}]", "BadAddress", problem));
            }
        }
    }

    public static void ValidateIdentityProvider(IdentityProvider provider, List<CatalogError> errors)
    {
        var where = $"identityProviders[{provider.Name}]";
        CheckName(provider.Name, where + ".name", errors);
        if (!Uri.TryCreate(provider.Issuer, UriKind.Absolute, out var issuer) || issuer.Scheme is not ("http" or "https"))
        {
            errors.Add(new(where + ".issuer", "BadIssuer", $"'{provider.Issuer}' is not an absolute http:// or https:// address"));
        }

        if (provider.DiscoveryUrl is { } discovery
            && (!Uri.TryCreate(discovery, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add(new(where + ".discoveryUrl", "BadAddress", $"'{discovery}' is not an absolute http:// or https:// address"));
        }

        if (provider.Jwks is { } jwks)
        {
            foreach (var problem in JwksDocument.Check(jwks))
            {
                errors.Add(new(where + ".jwks", "BadJwks", problem));
            }
        }

        if (provider.Audiences.Length == 0 || provider.Audiences.Any(string.IsNullOrEmpty))
        {
            errors.Add(new(where + ".audiences", "Required", "name at least one audience, none empty: a token for another service must not be accepted"));
        }

        CheckRange(provider.ClockSkewSeconds, 0, 600, where + ".clockSkewSeconds", errors);
    }

    /// <summary>A host name a certificate can be uploaded for: exact, or '*.example.com'.</summary>
    public static bool IsCertificateDomain(string domain) => IsHostPattern(domain);

    private static bool IsToken(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
