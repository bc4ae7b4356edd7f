using System.Collections.Concurrent;
using Gateway.Security;

namespace Gateway.Frontend.Security.OpenIdConnect;

/// <summary>What a token proved when its signature, issuer and audience were checked.</summary>
internal sealed record VerifiedToken(IdentityProvider Provider, SigningKey Key, string? Kid, long Exp, long? Nbf, string Subject);

/// <summary>
/// Tokens that passed the signature, issuer and audience checks. A client sends the same token with every call
/// until it expires; without this each call would pay a signature verification (RSA or ECDSA), most of what a
/// token check costs. An entry counts only for the same provider object (a catalog change to the provider makes
/// a new one) while that provider's current key set still holds the key that verified it (a rotation that
/// drops the key sends the token through every check again). Expiry and not-before are checked on every use
/// by the validator. Bounded: when full, it starts empty again rather than grow.
/// </summary>
internal sealed class VerifiedTokenCache
{
    private readonly ConcurrentDictionary<string, VerifiedToken> _entries;
    private readonly ConcurrentDictionary<string, VerifiedToken>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public VerifiedTokenCache(int capacity)
    {
        _capacity = capacity;
        _entries = new(StringComparer.Ordinal);
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _entries.Count;

    private readonly int _capacity;

    /// <summary>Looked up by the token's characters where they stand (in the request's header), so a known token costs no copy.</summary>
    public bool TryGet(ReadOnlySpan<char> token, IdentityProvider provider, ProviderKeySet keys, out VerifiedToken verified)
    {
        if (_bySpan.TryGetValue(token, out verified!)
            && ReferenceEquals(verified.Provider, provider)
            && StillHolds(keys, verified))
        {
            return true;
        }

        verified = null!;
        return false;
    }

    public void Add(string token, VerifiedToken verified)
    {
        if (_capacity <= 0)
        {
            return;
        }

        if (_entries.Count >= _capacity)
        {
            _entries.Clear();
        }

        _entries[token] = verified;
    }

    public void Remove(ReadOnlySpan<char> token) => _bySpan.TryRemove(token, out _, out _);

    private static bool StillHolds(ProviderKeySet keys, VerifiedToken verified) =>
        verified.Kid is null
            ? Array.IndexOf(keys.All, verified.Key) >= 0
            : keys.ByKid.TryGetValue(verified.Kid, out var key) && ReferenceEquals(key, verified.Key);
}
