using System.Security.Cryptography;
using System.Text;

namespace Gateway.Secrets;

/// <summary>
/// The keys secrets are encrypted with before they are stored or sent to frontends: AES-256-GCM, one active key
/// that seals new values, and older keys that still open what they sealed, so that keys rotate without downtime.
/// A sealed value names its key: <c>enc:v1:{keyId}:{Base64(nonce | ciphertext | tag)}</c>. The purpose (what the
/// value is, e.g. the AppKey it belongs to) is authenticated with it, so a sealed value copied onto another
/// record does not open.
/// </summary>
public sealed class SecretKeyRing
{
    /// <summary>Keys are 32 random bytes (AES-256).</summary>
    public const int KeySize = 32;

    private const string Prefix = "enc:v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Dictionary<string, byte[]> _keys;

    /// <param name="activeKeyId">The key that seals new values; must be one of <paramref name="keys"/>.</param>
    /// <param name="keys">Every key that may have sealed a stored value, by id.</param>
    public SecretKeyRing(string activeKeyId, IReadOnlyDictionary<string, byte[]> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var problems = new List<string>();
        foreach (var (id, key) in keys)
        {
            if (!IsKeyId(id))
            {
                problems.Add($"key id '{id}' is not 1-64 letters, digits, '.', '_' or '-'");
            }

            if (key.Length != KeySize)
            {
                problems.Add($"key '{id}' is {key.Length} bytes; keys are {KeySize} random bytes, Base64-encoded");
            }
        }

        if (!keys.ContainsKey(activeKeyId))
        {
            problems.Add(keys.Count == 0
                ? "no key is given"
                : $"the active key '{activeKeyId}' is not among the keys ({string.Join(", ", keys.Keys.Order(StringComparer.Ordinal))})");
        }

        if (problems.Count > 0)
        {
            throw new SecretKeyException("The secret key ring is not usable: " + string.Join("; ", problems) + ".");
        }

        ActiveKeyId = activeKeyId;
        _keys = keys.ToDictionary(k => k.Key, k => k.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The id of the key new values are sealed with.</summary>
    public string ActiveKeyId { get; }

    /// <summary>The ids of every key in the ring.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>A ring of one new random key (the embedded default, whose storage lasts as long as the process).</summary>
    public static SecretKeyRing Generate(string keyId) =>
        new(keyId, new Dictionary<string, byte[]> { [keyId] = RandomNumberGenerator.GetBytes(KeySize) });

    /// <summary>Whether a stored value is sealed (values stored before encryption was introduced are not).</summary>
    public static bool IsSealed(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The id of the key a sealed value was sealed with, or null for a value that is not sealed.</summary>
    public static string? KeyIdOf(string? value)
    {
        if (!IsSealed(value))
        {
            return null;
        }

        var end = value!.IndexOf(':', Prefix.Length);
        return end < 0 ? null : value[Prefix.Length..end];
    }

    /// <summary>Seals <paramref name="plaintext"/> with the active key, for the record <paramref name="purpose"/> names.</summary>
    public string Seal(string plaintext, string purpose)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_keys[ActiveKeyId], TagSize))
        {
            aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), AssociatedData(ActiveKeyId, purpose));
        }

        CryptographicOperations.ZeroMemory(plain);
        return Prefix + ActiveKeyId + ":" + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>
    /// The plaintext of a sealed value (a value that is not sealed, stored before encryption, is returned as it
    /// is). Throws <see cref="SecretKeyException"/>, naming the key but never the value, when the ring does not
    /// hold the value's key or the key is not the one the value was sealed with.
    /// </summary>
    public string Open(string value, string purpose)
    {
        if (!IsSealed(value))
        {
            return value;
        }

        var keyId = KeyIdOf(value);
        if (keyId is null || !_keys.TryGetValue(keyId, out var key))
        {
            throw new SecretKeyException(
                $"A stored secret ({purpose}) was sealed with key '{keyId}', which is not in this host's key ring ({string.Join(", ", _keys.Keys.Order(StringComparer.Ordinal))}). Add that key (Secrets:Keys or Secrets:KeyDirectory) to every silo and frontend.");
        }

        var data = value.AsSpan(Prefix.Length + keyId.Length + 1);
        var bytes = new byte[data.Length];
        if (!Convert.TryFromBase64Chars(data, bytes, out var length) || length < NonceSize + TagSize)
        {
            throw new SecretKeyException($"A stored secret ({purpose}) sealed with key '{keyId}' is damaged: it is not sealed data.");
        }

        var cipherLength = length - NonceSize - TagSize;
        var plain = new byte[cipherLength];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, cipherLength), bytes.AsSpan(NonceSize + cipherLength, TagSize), plain, AssociatedData(keyId, purpose));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretKeyException(
                $"A stored secret ({purpose}) does not open with key '{keyId}' of this host's key ring: the key configured under that id is not the one the secret was sealed with (or the stored value was altered).");
        }

        var text = Encoding.UTF8.GetString(plain);
        CryptographicOperations.ZeroMemory(plain);
        return text;
    }

    /// <summary>Whether an id can name a key: it is written into every sealed value and into file names.</summary>
    public static bool IsKeyId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static byte[] AssociatedData(string keyId, string purpose) => Encoding.UTF8.GetBytes("v1\n" + keyId + "\n" + purpose);
}

/// <summary>A key ring that cannot be used, or a stored secret that the ring cannot open. Never holds a secret.</summary>
public sealed class SecretKeyException(string message) : InvalidOperationException(message);
