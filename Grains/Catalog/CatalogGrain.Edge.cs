using Gateway.Security;

namespace Gateway.Catalog;

/// <summary>TLS certificates and OpenID Connect identity providers.</summary>
public sealed partial class CatalogGrain
{
    public Task<CatalogResult> UpsertCertificate(string domain, TlsCertificateUpload upload)
    {
        domain = (domain ?? "").Trim().ToLowerInvariant();

        // Checked here, once, and not by the whole-state validation: a certificate that expires later must
        // not make every later catalog change invalid.
        var errors = new List<CatalogError>();
        var certificate = TlsCertificateParser.Parse(domain, upload ?? new TlsCertificateUpload(), _time.GetUtcNow(), errors);
        if (certificate is null)
        {
            return Task.FromResult(CatalogResult.Refused(CatalogFailure.Invalid, State.Revision, errors));
        }

        return Change(state =>
        {
            state.Certificates[domain] = certificate;
            return null;
        });
    }

    public Task<CatalogResult> DeleteCertificate(string domain)
    {
        domain = (domain ?? "").Trim().ToLowerInvariant();
        return Change(state => state.Certificates.Remove(domain) ? null : NotFound("certificates", domain));
    }

    public Task<TlsCertificateInfo[]> GetCertificates() =>
        Task.FromResult(State.Certificates.Values.OrderBy(c => c.Domain, StringComparer.Ordinal).Select(c => c.Info).ToArray());

    public Task<CatalogResult> UpsertIdentityProvider(IdentityProvider provider)
    {
        provider = CatalogNormalizer.Normalize(provider);
        return Change(state =>
        {
            state.IdentityProviders[provider.Name] = provider;
            return null;
        });
    }

    public Task<CatalogResult> DeleteIdentityProvider(string name) => Change(state =>
    {
        if (!state.IdentityProviders.Remove(name))
        {
            return NotFound("identityProviders", name);
        }

        var users = state.Apis.Values.Where(a => a.OpenIdConnect?.Provider == name).Select(a => a.Id).ToList();
        return users.Count == 0
            ? null
            : Invalid($"identityProviders[{name}]", "IdentityProviderInUse", $"APIs still require its tokens: {string.Join(", ", users)}");
    });

    public Task<IdentityProvider[]> GetIdentityProviders() =>
        Task.FromResult(State.IdentityProviders.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToArray());
}
