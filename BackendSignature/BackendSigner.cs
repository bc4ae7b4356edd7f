namespace Gateway.BackendSignature;

/// <summary>
/// The gateway -> backend signature (X-Ca-Proxy-Signature), as docs/SIGNATURE.md section 2 defines it. The gateway
/// signs with it; <see cref="BackendSignatureVerifier"/> checks it on the backend.
/// </summary>
public static class BackendSigner
{
    /// <summary>Base64(HMAC-SHA256(secret, string-to-sign)).</summary>
    public const string SignatureHeader = "X-Ca-Proxy-Signature";

    /// <summary>Comma-separated names of the signed headers.</summary>
    public const string SignedHeadersHeader = "X-Ca-Proxy-Signature-Headers";

    /// <summary>The name of the key the gateway signed with.</summary>
    public const string KeyNameHeader = "X-Ca-Proxy-Signature-Secret-Key";

    /// <summary>Always HMAC-SHA256.</summary>
    public const string Algorithm = "HmacSHA256";

    /// <summary>
    /// <c>BodyMD5</c>: Base64(MD5(body)) for a POST or PUT whose body is not a form and is not empty, else empty.
    /// </summary>
    public static string BodyMd5(string method, string? contentType, ReadOnlySpan<byte> body) =>
        (string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase) || string.Equals(method, "PUT", StringComparison.OrdinalIgnoreCase))
        && !body.IsEmpty && !CaSignatureText.IsForm(contentType)
            ? CaSignatureText.BodyMd5(body)
            : "";

    /// <summary>
    /// <c>HTTPMethod\nBodyMD5\n</c>, one <c>lower-case(name):value\n</c> per signed header sorted by the name as
    /// listed (ordinal), then <c>PathAndParameters</c>.
    /// </summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="bodyMd5">See <see cref="BodyMd5"/>.</param>
    /// <param name="signedHeaders">Names as listed in X-Ca-Proxy-Signature-Headers, with their values.</param>
    /// <param name="pathAndParameters">See <see cref="CaSignatureText.PathAndParameters"/>.</param>
    public static string StringToSign(string method, string bodyMd5, IEnumerable<KeyValuePair<string, string>> signedHeaders, string pathAndParameters)
    {
        var text = new SignatureTextBuilder(256);
        try
        {
            WriteStart(ref text, method, bodyMd5);
            foreach (var (name, value) in signedHeaders.OrderBy(h => h.Key, StringComparer.Ordinal))
            {
                WriteHeader(ref text, name, value);
            }

            text.Append(pathAndParameters);
            return text.ToString();
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary><c>HTTPMethod\nBodyMD5\n</c>: the start of the string-to-sign.</summary>
    public static void WriteStart(ref SignatureTextBuilder text, string method, string bodyMd5)
    {
        text.AppendUpper(method);
        text.Append('\n');
        text.Append(bodyMd5);
        text.Append('\n');
    }

    /// <summary><c>lower-case(name):value\n</c>: one signed header, written in the order of the names as listed (ordinal).</summary>
    public static void WriteHeader(ref SignatureTextBuilder text, string name, string value)
    {
        text.AppendLower(name);
        text.Append(':');
        text.Append(value);
        text.Append('\n');
    }

    /// <summary>Base64(HMAC-SHA256(secret, UTF-8 string-to-sign)).</summary>
    public static string Sign(string secret, string stringToSign) => CaSignatureText.Sign(Algorithm, secret, stringToSign);
}
