using Microsoft.Extensions.Primitives;

namespace Gateway.Frontend.Policies.Caching;

/// <summary>A backend's answer as the cache keeps it: status, headers and the whole body, until <see cref="ExpiresAt"/>.</summary>
public sealed class CachedAnswer(string key, int status, KeyValuePair<string, StringValues>[] headers, byte[] body, DateTimeOffset storedAt, DateTimeOffset expiresAt)
{
    /// <summary>What an entry costs besides its strings and body: the objects, the list node and the dictionary slot.</summary>
    private const int Overhead = 256;

    public string Key { get; } = key;

    public int Status { get; } = status;

    public KeyValuePair<string, StringValues>[] Headers { get; } = headers;

    public byte[] Body { get; } = body;

    public DateTimeOffset StoredAt { get; } = storedAt;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    /// <summary>The bytes the entry holds, as the frontend's size limit counts them.</summary>
    public long Size { get; } = Overhead + (key.Length * 2L) + body.Length + headers.Sum(h => (h.Key.Length * 2L) + h.Value.Sum(v => (v?.Length ?? 0) * 2L));
}
