using System.Text;
using Gateway.BackendSignature;
using Gateway.Catalog;

namespace Gateway.Frontend.Security;

/// <summary>
/// Apps, keys, grants and backend signing keys of one catalog snapshot, indexed for one-lookup answers on the
/// hot path. Built once per snapshot, so a revoke, a disabled app or a deleted key is in force as soon as the
/// frontend holds the snapshot that says so.
/// </summary>
public sealed class CallerDirectory
{
    private readonly Dictionary<string, AppCredential> _keys;
    /// <summary>By app, API and stage as a value: a lookup builds no key string.</summary>
    private readonly Dictionary<(string App, string Api, string Stage), AppGrant> _grants;
    private readonly Dictionary<string, BackendCredential> _backendKeys;

    private CallerDirectory(CatalogSnapshot? snapshot, CallerDirectory? previous)
    {
        Snapshot = snapshot;
        var apps = (snapshot?.Apps ?? []).ToDictionary(a => a.Id, StringComparer.Ordinal);
        _keys = (snapshot?.AppKeys ?? [])
            .Where(k => apps.ContainsKey(k.App))
            .ToDictionary(
                k => k.Key,
                k => new AppCredential(apps[k.App], k.Key, KeptKey(previous?._keys.GetValueOrDefault(k.Key)?.Secret, k.Secret)),
                StringComparer.Ordinal);
        _grants = (snapshot?.Grants ?? []).ToDictionary(g => (g.App, g.Api, g.Stage));
        var signingKeys = (snapshot?.BackendSigningKeys ?? []).ToDictionary(k => BackendSigningKey.KeyOf(k.Backend, k.Name), StringComparer.Ordinal);
        _backendKeys = (snapshot?.Backends ?? [])
            .Where(b => b.SigningKey is not null && signingKeys.ContainsKey(BackendSigningKey.KeyOf(b.Name, b.SigningKey)))
            .ToDictionary(
                b => b.Name,
                b => new BackendCredential(
                    b.SigningKey!,
                    KeptKey(previous?._backendKeys.GetValueOrDefault(b.Name)?.Key, signingKeys[BackendSigningKey.KeyOf(b.Name, b.SigningKey!)].Secret)),
                StringComparer.Ordinal);
    }

    public CatalogSnapshot? Snapshot { get; }

    /// <summary>
    /// Indexes a snapshot. A secret that <paramref name="previous"/> already held, unchanged, keeps its
    /// <see cref="HmacKey"/>: its HMAC contexts go on serving, instead of every catalog change leaving one set per key
    /// to the finalizers and making new ones.
    /// </summary>
    public static CallerDirectory Build(CatalogSnapshot? snapshot, CallerDirectory? previous = null) => new(snapshot, previous);

    private static HmacKey KeptKey(HmacKey? previous, string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        return previous is not null && previous.Is(bytes) ? previous : new HmacKey(bytes);
    }

    public bool TryFindKey(string appKey, out AppCredential credential) => _keys.TryGetValue(appKey, out credential!);

    public AppGrant? FindGrant(string appId, string apiId, string stage) => _grants.GetValueOrDefault((appId, apiId, stage));

    public bool TryFindBackendKey(string backend, out BackendCredential credential) => _backendKeys.TryGetValue(backend, out credential!);
}

/// <summary>An AppKey with its app and its secret, ready for HMAC: made once per catalog, not on every signed call.</summary>
public sealed record AppCredential(App App, string AppKey, HmacKey Secret)
{
    public override string ToString() => $"AppCredential {{ App = {App.Id}, AppKey = {AppKey} }}";
}

/// <summary>The signing key a backend's requests are signed with (its name), and its secret, ready for HMAC.</summary>
public sealed record BackendCredential(string Name, HmacKey Key)
{
    public override string ToString() => $"BackendCredential {{ Name = {Name} }}";
}
