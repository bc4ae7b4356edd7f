using System.Security.Cryptography;
using Gateway.Secrets;

namespace Gateway.Hosting;

/// <summary>
/// Where the key ring comes from, the same for silos and frontends: <c>Secrets:Keys:{id}</c> (Base64 of 32 random
/// bytes) and/or <c>Secrets:KeyDirectory</c> (a mounted Kubernetes Secret: one file per key, named by its id,
/// holding the Base64 key), and <c>Secrets:ActiveKey</c>, the id new secrets are sealed with. Without any key the
/// embedded default generates one for the process (its storage lasts no longer); cluster mode refuses to start.
/// </summary>
public static class SecretKeyRingSetup
{
    public const string Section = "Secrets";

    /// <summary>The ring, or a <see cref="SecretKeyException"/> that says what to configure.</summary>
    /// <param name="generated">True when no key was configured and a key was generated (embedded mode only).</param>
    public static SecretKeyRing Load(IConfiguration configuration, bool clustered, out bool generated)
    {
        generated = false;
        var section = configuration.GetSection(Section);
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var child in section.GetSection("Keys").GetChildren())
        {
            Add(child.Key, child.Value, $"{Section}:Keys:{child.Key}", keys, problems);
        }

        if (section["KeyDirectory"] is { Length: > 0 } directory)
        {
            if (!Directory.Exists(directory))
            {
                problems.Add($"{Section}:KeyDirectory '{directory}' does not exist");
            }
            else
            {
                // A mounted Secret also holds '..data' links and the like: only plain key-id names are keys.
                foreach (var file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
                {
                    var id = Path.GetFileName(file);
                    if (!id.StartsWith('.') && SecretKeyRing.IsKeyId(id))
                    {
                        Add(id, File.ReadAllText(file), $"{directory}/{id}", keys, problems);
                    }
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new SecretKeyException("The secret key ring is not usable: " + string.Join("; ", problems) + ".");
        }

        if (keys.Count == 0)
        {
            if (clustered)
            {
                throw new SecretKeyException(
                    $"Cluster mode needs a secret key ring to encrypt secrets at rest: set {Section}:ActiveKey and {Section}:Keys:<id> " +
                    $"(Base64 of 32 random bytes, e.g. 'openssl rand -base64 32'), or mount the keys as files in {Section}:KeyDirectory. " +
                    "Every silo and frontend needs the same keys.");
            }

            generated = true;
            return SecretKeyRing.Generate("embedded-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        }

        var active = section["ActiveKey"];
        if (string.IsNullOrEmpty(active))
        {
            if (keys.Count > 1)
            {
                throw new SecretKeyException(
                    $"The secret key ring holds {keys.Count} keys ({string.Join(", ", keys.Keys.Order(StringComparer.Ordinal))}): set {Section}:ActiveKey to the one new secrets are sealed with.");
            }

            active = keys.Keys.Single();
        }

        return new SecretKeyRing(active, keys);
    }

    private static void Add(string id, string? text, string where, Dictionary<string, byte[]> keys, List<string> problems)
    {
        if (!SecretKeyRing.IsKeyId(id))
        {
            problems.Add($"{where}: a key id is 1-64 letters, digits, '.', '_' or '-'");
            return;
        }

        var bytes = new byte[64];
        if (!Convert.TryFromBase64String((text ?? "").Trim(), bytes, out var length) || length != SecretKeyRing.KeySize)
        {
            // Never the value: only what is wrong with it.
            problems.Add($"{where}: a key is Base64 of exactly {SecretKeyRing.KeySize} random bytes");
            return;
        }

        if (!keys.TryAdd(id, bytes[..length]))
        {
            if (!keys[id].AsSpan().SequenceEqual(bytes.AsSpan(0, length)))
            {
                problems.Add($"{where}: key '{id}' is given twice with different values");
            }
        }
    }
}
