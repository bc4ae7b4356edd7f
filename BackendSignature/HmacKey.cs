using System.Security.Cryptography;

namespace Gateway.BackendSignature;

/// <summary>
/// A secret kept ready for HMAC on a path that signs or checks every call. <c>HMACSHA256.HashData</c> with the bare key
/// sets up a new native HMAC context on every call (an algorithm lookup under a lock, an allocation, and the padded key
/// hashed twice) and frees it again: about as much work as the HMAC of a short string-to-sign itself. This keeps a few
/// contexts per key and only resets one after each use.
/// </summary>
/// <remarks>
/// Safe for concurrent use: a context is lent to one call at a time, and a call that finds none free makes its own.
/// The contexts go with the key (their native memory is released by their handles' finalizers), so a key is held by
/// what it belongs to, such as one catalog snapshot's credential.
/// </remarks>
public sealed class HmacKey
{
    /// <summary>Contexts kept per algorithm: as many as calls can use the key at the same moment on a busy frontend.</summary>
    private static readonly int Slots = Math.Clamp(Environment.ProcessorCount, 2, 16);

    private readonly byte[] _key;

    /// <summary>Made on the first use of each algorithm: a catalog holds many keys that sign nothing, or one way only.</summary>
    private IncrementalHash?[]? _sha256;
    private IncrementalHash?[]? _sha1;

    /// <summary>The key's bytes are copied: a change to the array given changes nothing here.</summary>
    public HmacKey(ReadOnlySpan<byte> key) => _key = key.ToArray();

    /// <summary>True when this is the key <paramref name="key"/> holds (compared in constant time).</summary>
    public bool Is(ReadOnlySpan<byte> key) => CryptographicOperations.FixedTimeEquals(_key, key);

    /// <summary>
    /// Writes the HMAC of <paramref name="data"/> with <paramref name="algorithm"/> (<c>HmacSHA256</c> or <c>HmacSHA1</c>)
    /// to <paramref name="destination"/>, and says how many bytes it wrote.
    /// </summary>
    public int Compute(string algorithm, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var (slots, name) = algorithm switch
        {
            "HmacSHA256" => (LazyInitializer.EnsureInitialized(ref _sha256, NewSlots), HashAlgorithmName.SHA256),
            "HmacSHA1" => (LazyInitializer.EnsureInitialized(ref _sha1, NewSlots), HashAlgorithmName.SHA1),
            _ => throw new ArgumentException($"'{algorithm}' is not HmacSHA256 or HmacSHA1", nameof(algorithm)),
        };

        var start = Environment.CurrentManagedThreadId % slots.Length;
        var hash = Take(slots, start) ?? IncrementalHash.CreateHMAC(name, _key);
        int written;
        try
        {
            hash.AppendData(data);
            written = hash.GetHashAndReset(destination);
        }
        catch
        {
            // A context whose use failed midway is not lent again.
            hash.Dispose();
            throw;
        }

        Give(slots, start, hash);
        return written;
    }

    private static IncrementalHash?[] NewSlots() => new IncrementalHash?[Slots];

    /// <summary>Starts where the calling thread usually finds its own, so that two threads rarely meet on one slot.</summary>
    private static IncrementalHash? Take(IncrementalHash?[] slots, int start)
    {
        for (var i = 0; i < slots.Length; i++)
        {
            if (Interlocked.Exchange(ref slots[(start + i) % slots.Length], null) is { } hash)
            {
                return hash;
            }
        }

        return null;
    }

    private static void Give(IncrementalHash?[] slots, int start, IncrementalHash hash)
    {
        for (var i = 0; i < slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref slots[(start + i) % slots.Length], hash, null) is null)
            {
                return;
            }
        }

        // More calls used the key at once than it keeps contexts for: the extra one goes.
        hash.Dispose();
    }
}
