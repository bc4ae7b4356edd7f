using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Security;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Frontend.Security.OpenIdConnect;

/// <summary>
/// A provider's signing key, turned once into an RSA or ECDsa key object: validating with the key object
/// reuses its imported parameters and the library's cached signature provider on every request.
/// </summary>
public sealed record SigningKey(string Kty, SecurityKey Key);

/// <summary>One provider's signing keys as last fetched (or given inline).</summary>
public sealed record ProviderKeySet(IReadOnlyDictionary<string, SigningKey> ByKid, SigningKey[] All, DateTimeOffset FetchedAt, string? Error)
{
    public static readonly ProviderKeySet Empty = new(new Dictionary<string, SigningKey>(), [], DateTimeOffset.MinValue, null);

    public bool HasKeys => All.Length > 0;
}

/// <summary>
/// Caches each identity provider's JWKS. Requests read the cache and never wait for the network, except
/// when a token names a kid the cache lacks (a key rotation): then one fetch per provider is shared by all
/// waiting requests, and fetches are at least <see cref="OpenIdConnectSettings.JwksMinRefreshSeconds"/> apart.
/// </summary>
public sealed partial class IdentityProviderKeys(
    IHttpClientFactory httpClients,
    OpenIdConnectSettings settings,
    TimeProvider time,
    ILogger<IdentityProviderKeys> logger)
{
    public const string HttpClientName = "gateway.oidc";
    private const int MaxDocumentBytes = 1024 * 1024;
    private readonly ConcurrentDictionary<string, ProviderState> _providers = new(StringComparer.Ordinal);

    /// <summary>The keys held for the provider now; starts a first fetch when there are none.</summary>
    public ProviderKeySet Current(IdentityProvider provider) => StateOf(provider).Keys;

    /// <summary>Fetches again unless a fetch ran less than the minimum interval ago; waits for the shared fetch.</summary>
    public Task<ProviderKeySet> RefreshAsync(IdentityProvider provider, bool force = false)
    {
        var state = StateOf(provider);
        lock (state)
        {
            if (state.Fetching is { IsCompleted: false } running)
            {
                return running;
            }

            var now = time.GetUtcNow();
            if (!force && now - state.LastAttempt < TimeSpan.FromSeconds(settings.JwksMinRefreshSeconds))
            {
                return Task.FromResult(state.Keys);
            }

            state.LastAttempt = now;
            state.Fetching = FetchAsync(state);
            return state.Fetching;
        }
    }

    /// <summary>Background refresh: fetches each provider whose keys are older than the refresh interval (or missing).</summary>
    public async Task RefreshDueAsync(IEnumerable<IdentityProvider> providers, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = new List<Task>();
        foreach (var provider in providers)
        {
            var state = StateOf(provider);
            if (state.Inline)
            {
                continue;
            }

            var age = now - state.Keys.FetchedAt;
            if (!state.Keys.HasKeys || age >= TimeSpan.FromSeconds(settings.JwksRefreshSeconds))
            {
                due.Add(RefreshAsync(provider));
            }
        }

        await Task.WhenAll(due).WaitAsync(cancellationToken);
    }

    private ProviderState StateOf(IdentityProvider provider)
    {
        // A changed configuration (issuer, discovery address, inline keys) starts from scratch.
        var state = _providers.GetOrAdd(provider.Name, _ => new ProviderState(provider));
        if (!ReferenceEquals(state.Provider, provider) && !SameSource(state.Provider, provider))
        {
            var fresh = new ProviderState(provider);
            _providers[provider.Name] = fresh;
            state = fresh;
        }

        if (state.Inline && !state.Keys.HasKeys && state.Keys.Error is null)
        {
            state.Keys = Parse(provider.Jwks!, time.GetUtcNow());
        }

        return state;
    }

    private static bool SameSource(IdentityProvider a, IdentityProvider b) =>
        a.Issuer == b.Issuer && a.DiscoveryUrl == b.DiscoveryUrl && a.Jwks == b.Jwks;

    private async Task<ProviderKeySet> FetchAsync(ProviderState state)
    {
        await Task.Yield();
        var provider = state.Provider;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(settings.FetchTimeoutSeconds));
            var client = httpClients.CreateClient(HttpClientName);
            var discoveryUrl = provider.DiscoveryUrl ?? provider.Issuer.TrimEnd('/') + "/.well-known/openid-configuration";
            using var discovery = JsonDocument.Parse(await GetAsync(client, discoveryUrl, timeout.Token));
            var root = discovery.RootElement;
            if (root.TryGetProperty("issuer", out var issuer) && issuer.GetString() != provider.Issuer)
            {
                throw new InvalidDataException($"the discovery document names issuer '{issuer.GetString()}', not '{provider.Issuer}'");
            }

            if (!root.TryGetProperty("jwks_uri", out var jwksUri) || !Uri.TryCreate(jwksUri.GetString(), UriKind.Absolute, out var jwksAddress)
                || jwksAddress.Scheme is not ("http" or "https"))
            {
                throw new InvalidDataException("the discovery document has no absolute jwks_uri");
            }

            var keys = Parse(await GetAsync(client, jwksAddress.ToString(), timeout.Token), time.GetUtcNow());
            if (keys.Error is not null)
            {
                throw new InvalidDataException(keys.Error);
            }

            state.Keys = keys;
            LogFetched(provider.Name, keys.All.Length);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or InvalidDataException or ArgumentException)
        {
            // Keep the keys held: a provider that is down for a while must not stop tokens it signed earlier.
            state.Keys = state.Keys with { Error = e.Message };
            LogFetchFailed(provider.Name, e.GetType().Name, e.Message);
        }

        return state.Keys;
    }

    private static async Task<string> GetAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{url} answered {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentLength > MaxDocumentBytes)
        {
            throw new InvalidDataException($"{url} answered more than {MaxDocumentBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxDocumentBytes)
            {
                throw new InvalidDataException($"{url} answered more than {MaxDocumentBytes} bytes");
            }
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The signing keys of a JWKS: RSA, and EC on P-256; encryption keys and private parts are left out.</summary>
    public static ProviderKeySet Parse(string json, DateTimeOffset now)
    {
        try
        {
            var set = new JsonWebKeySet(json);
            var keys = set.Keys
                .Where(k => k.Use is null or "sig")
                .Select(ToSigningKey)
                .OfType<SigningKey>()
                .ToArray();
            var byKid = new Dictionary<string, SigningKey>(StringComparer.Ordinal);
            foreach (var key in keys.Where(k => !string.IsNullOrEmpty(k.Key.KeyId)))
            {
                byKid.TryAdd(key.Key.KeyId, key);
            }

            return keys.Length == 0
                ? ProviderKeySet.Empty with { Error = "the JWKS holds no RSA or P-256 signing key" }
                : new ProviderKeySet(byKid, keys, now, null);
        }
        catch (Exception e) when (e is ArgumentException or JsonException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            return ProviderKeySet.Empty with { Error = "the JWKS does not parse" };
        }
    }

    /// <summary>RSA, and EC on P-256, as public key objects; anything else (or broken) is left out.</summary>
    private static SigningKey? ToSigningKey(JsonWebKey key)
    {
        if (key.Kty == JsonWebAlgorithmsKeyTypes.RSA && !string.IsNullOrEmpty(key.N) && !string.IsNullOrEmpty(key.E))
        {
            var rsa = RSA.Create(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(key.N), Exponent = Base64UrlEncoder.DecodeBytes(key.E) });
            return new SigningKey(key.Kty, new RsaSecurityKey(rsa) { KeyId = key.Kid });
        }

        if (key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && key.Crv == JsonWebKeyECTypes.P256 && !string.IsNullOrEmpty(key.X) && !string.IsNullOrEmpty(key.Y))
        {
            var ec = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(key.X), Y = Base64UrlEncoder.DecodeBytes(key.Y) },
            });
            return new SigningKey(key.Kty, new ECDsaSecurityKey(ec) { KeyId = key.Kid });
        }

        return null;
    }

    private sealed class ProviderState(IdentityProvider provider)
    {
        public IdentityProvider Provider { get; } = provider;

        public bool Inline { get; } = provider.Jwks is not null;

        public volatile ProviderKeySet Keys = ProviderKeySet.Empty;

        public DateTimeOffset LastAttempt { get; set; } = DateTimeOffset.MinValue;

        public Task<ProviderKeySet>? Fetching { get; set; }
    }

    [LoggerMessage(EventId = LogEvents.JwksFetched, Level = LogLevel.Information, Message = "Fetched the signing keys of identity provider {Provider}: {Count} key(s)")]
    private partial void LogFetched(string provider, int count);

    [LoggerMessage(EventId = LogEvents.JwksFetchFailed, Level = LogLevel.Warning, Message = "Could not fetch the signing keys of identity provider {Provider} ({Error}: {Message}); keeping the keys held")]
    private partial void LogFetchFailed(string provider, string error, string message);
}
