using System.Security.Cryptography;
using System.Text;

namespace Gateway.Silo.Admin;

/// <summary>Who presented a token: its name (what the audit log records) and its role.</summary>
public sealed record AdminCaller(string Name, AdminRole Role);

/// <summary>
/// The admin tokens, read once at start from configuration and token files. Only their SHA-256 hashes are
/// kept; a presented token is compared with every one in constant time.
/// </summary>
public sealed class AdminTokens
{
    /// <summary>Shorter named tokens are guessable. (Admin:Token is taken as it is, so that existing deployments keep starting.)</summary>
    public const int MinLength = 16;

    /// <summary>The name <c>Admin:Token</c> is known by.</summary>
    public const string DefaultName = "admin";

    private readonly (AdminCaller Caller, byte[] Hash)[] _tokens;

    private AdminTokens((AdminCaller, byte[])[] tokens) => _tokens = tokens;

    /// <summary>No tokens at all: the admin API is open on loopback.</summary>
    public bool IsEmpty => _tokens.Length == 0;

    public IEnumerable<AdminCaller> Callers => _tokens.Select(t => t.Caller);

    /// <summary>Reads the tokens; every problem (unknown role, missing file, short token) is reported at once, without the token.</summary>
    public static AdminTokens From(AdminSettings settings)
    {
        var problems = new List<string>();
        var tokens = new List<(AdminCaller, byte[])>();
        if (!string.IsNullOrEmpty(settings.Token))
        {
            Add(DefaultName, settings.Token, AdminRole.Admin, "Admin:Token", minLength: 1);
        }

        foreach (var (name, token) in settings.Tokens.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var where = $"Admin:Tokens:{name}";
            if (!Enum.TryParse<AdminRole>(token.Role, ignoreCase: true, out var role) || !Enum.IsDefined(role) || int.TryParse(token.Role, out _))
            {
                problems.Add($"{where}:Role is '{token.Role}'; use viewer, editor or admin");
                continue;
            }

            if (name == DefaultName && !string.IsNullOrEmpty(settings.Token))
            {
                problems.Add($"{where}: the name '{DefaultName}' is taken by Admin:Token");
                continue;
            }

            string? text = token.Token;
            if (string.IsNullOrEmpty(text) && !string.IsNullOrEmpty(token.TokenFile))
            {
                try
                {
                    text = File.ReadAllText(token.TokenFile).Trim();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    problems.Add($"{where}:TokenFile '{token.TokenFile}' cannot be read ({e.GetType().Name})");
                    continue;
                }
            }

            if (string.IsNullOrEmpty(text))
            {
                problems.Add($"{where} has neither Token nor TokenFile");
                continue;
            }

            Add(name, text, role, where, MinLength);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The admin tokens are misconfigured:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
        }

        return new AdminTokens([.. tokens]);

        void Add(string name, string text, AdminRole role, string where, int minLength)
        {
            if (text.Length < minLength)
            {
                problems.Add($"{where}: the token must be at least {minLength} characters");
                return;
            }

            var hash = Hash(text);
            if (tokens.Any(t => CryptographicOperations.FixedTimeEquals(t.Item2, hash)))
            {
                problems.Add($"{where}: the same token is configured under another name");
                return;
            }

            tokens.Add((new AdminCaller(name, role), hash));
        }
    }

    /// <summary>The caller the token belongs to, or null. Every configured token is compared, whichever matches.</summary>
    public AdminCaller? Find(string presented)
    {
        var hash = Hash(presented);
        AdminCaller? found = null;
        foreach (var (caller, expected) in _tokens)
        {
            // No early exit: the time taken says nothing about which token, if any, matched.
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = caller;
            }
        }

        return found;
    }

    // Comparing hashes keeps the comparison constant-time whatever the token's length.
    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
