using System.Security.Cryptography;
using System.Text;

namespace Gateway.BackendSignature;

/// <summary>The outcome of checking a request's X-Ca-Proxy-Signature.</summary>
public enum BackendSignatureStatus
{
    /// <summary>The gateway signed exactly this request.</summary>
    Valid = 0,

    /// <summary>No X-Ca-Proxy-Signature or no key name: the request did not come through the gateway's signing.</summary>
    Missing = 1,

    /// <summary>The key name is not one this backend holds.</summary>
    UnknownKey = 2,

    /// <summary>The signature does not match: the request was altered, or signed with another secret.</summary>
    Mismatch = 3,
}

/// <summary>The outcome, and the string-to-sign the backend computed (never the secret), for its own logs.</summary>
public sealed record BackendSignatureResult(BackendSignatureStatus Status, string StringToSign)
{
    /// <summary>True when the gateway signed exactly this request.</summary>
    public bool IsValid => Status == BackendSignatureStatus.Valid;
}

/// <summary>
/// Verifies the gateway's signature on a request a backend received. Hold one instance with every secret the
/// backend accepts, by key name, so that the gateway can switch keys without downtime.
/// </summary>
/// <example>
/// In an ASP.NET Core backend:
/// <code>
/// var verifier = new BackendSignatureVerifier(new Dictionary&lt;string, string&gt; { ["orders-2026"] = secret });
/// app.Use(async (context, next) =>
/// {
///     context.Request.EnableBuffering();
///     using var buffer = new MemoryStream();
///     await context.Request.Body.CopyToAsync(buffer);
///     context.Request.Body.Position = 0;
///     var result = verifier.Verify(context.Request.Method, context.Request.PathBase + context.Request.Path,
///         context.Request.QueryString.Value, context.Request.ContentType, buffer.ToArray(),
///         name => context.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null);
///     if (!result.IsValid) { context.Response.StatusCode = 401; return; }
///     await next();
/// });
/// </code>
/// </example>
public sealed class BackendSignatureVerifier
{
    private readonly Dictionary<string, byte[]> _secrets;

    /// <param name="secretsByKeyName">The secrets this backend accepts, by the key name the gateway sends.</param>
    public BackendSignatureVerifier(IReadOnlyDictionary<string, string> secretsByKeyName)
    {
        ArgumentNullException.ThrowIfNull(secretsByKeyName);
        _secrets = secretsByKeyName.ToDictionary(s => s.Key, s => Encoding.UTF8.GetBytes(s.Value), StringComparer.Ordinal);
    }

    /// <summary>Checks the signature of one request.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The request path as the backend's framework decodes it (ASP.NET Core: PathBase + Path), without the query.</param>
    /// <param name="query">The raw query string, with or without its '?', or null.</param>
    /// <param name="contentType">The Content-Type header, or null.</param>
    /// <param name="body">The whole request body (empty when none).</param>
    /// <param name="header">Looks a request header up by name, case-insensitively; null when absent.</param>
    public BackendSignatureResult Verify(
        string method,
        string path,
        string? query,
        string? contentType,
        ReadOnlySpan<byte> body,
        Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var signature = header(BackendSigner.SignatureHeader);
        var keyName = header(BackendSigner.KeyNameHeader);
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(keyName))
        {
            return new(BackendSignatureStatus.Missing, "");
        }

        var signedHeaders = (header(BackendSigner.SignedHeadersHeader) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => new KeyValuePair<string, string>(name, header(name) ?? ""));
        var form = CaSignatureText.IsForm(contentType) ? CaSignatureText.ParseParameters(Encoding.UTF8.GetString(body)) : null;
        var stringToSign = BackendSigner.StringToSign(
            method,
            BackendSigner.BodyMd5(method, contentType, body),
            signedHeaders,
            CaSignatureText.PathAndParameters(path, CaSignatureText.ParseParameters(query), form));

        if (!_secrets.TryGetValue(keyName, out var secret))
        {
            return new(BackendSignatureStatus.UnknownKey, stringToSign);
        }

        Span<byte> expected = stackalloc byte[32];
        CaSignatureText.Sign(BackendSigner.Algorithm, secret, stringToSign, expected);
        Span<byte> presented = stackalloc byte[33];
        var matches = Convert.TryFromBase64String(signature, presented, out var written)
            && written == 32
            && CryptographicOperations.FixedTimeEquals(expected, presented[..32]);
        return new(matches ? BackendSignatureStatus.Valid : BackendSignatureStatus.Mismatch, stringToSign);
    }
}
