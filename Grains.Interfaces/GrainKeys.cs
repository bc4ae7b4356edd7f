namespace Gateway;

/// <summary>Every grain key is built here, so that the silo, frontends and tests agree on them.</summary>
public static class GrainKeys
{
    /// <summary>The one catalog of a deployment.</summary>
    public const string Catalog = "default";

    /// <summary>Nonces of one AppKey are spread over this many grains, so that one busy app is not one hot grain.</summary>
    public const int NonceShards = 16;

    /// <summary>
    /// The nonce grain that remembers <paramref name="nonce"/> for <paramref name="appKey"/>: 'AppKey/shard'.
    /// The shard comes from a hash that is the same in every process (string.GetHashCode is not), so every
    /// frontend asks the same grain about the same nonce.
    /// </summary>
    public static string Nonce(string appKey, string nonce)
    {
        // FNV-1a over the UTF-16 code units: stable, cheap, good enough to spread UUIDs.
        var hash = 2166136261u;
        foreach (var c in nonce)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return $"{appKey}/{hash % NonceShards}";
    }
}
