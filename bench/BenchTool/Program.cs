using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

// Helpers of bench/suite.py; all on loopback.
//   echo <port>                                       Kestrel backend: answers a body with the same body, else a small JSON
//   sign <appKey> <secret> <method> <pathAndQuery>    prints the X-Ca headers of a signed call (no nonce), one "Name: value" per line
//   oidc <issuer> <audience> <subject> <jwks.json> <token.txt>
//                                                     a fresh RSA key: its public JWKS and an RS256 token valid for 3 hours
return args.FirstOrDefault() switch
{
    "echo" when args.Length == 2 => await Echo(int.Parse(args[1], CultureInfo.InvariantCulture)),
    "sign" when args.Length == 5 => Sign(args[1], args[2], args[3], args[4]),
    "oidc" when args.Length == 6 => Oidc(args[1], args[2], args[3], args[4], args[5]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: BenchTool echo <port> | sign <appKey> <secret> <method> <pathAndQuery> | oidc <issuer> <audience> <subject> <jwks.json> <token.txt>");
    return 2;
}

static async Task<int> Echo(int port)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
    var app = builder.Build();
    var small = "{\"ok\":true}"u8.ToArray();
    app.Run(async context =>
    {
        context.Response.ContentType = context.Request.ContentType ?? "application/json";
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            // Streamed back as it arrives: the benchmark measures the proxies, not buffering here.
            await context.Request.Body.CopyToAsync(context.Response.Body);
        }
        else
        {
            context.Response.ContentLength = small.Length;
            await context.Response.Body.WriteAsync(small);
        }
    });
    await app.RunAsync();
    return 0;
}

// docs/SIGNATURE.md section 1: method, Accept, Content-MD5, Content-Type, Date, the signed headers, then the path with
// every query parameter sorted by name. The timestamp is now: a signature is good for 15 minutes.
static int Sign(string appKey, string secret, string method, string pathAndQuery)
{
    const string accept = "application/json";
    var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    var split = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
    var path = split < 0 ? pathAndQuery : pathAndQuery[..split];
    var parameters = split < 0 ? [] : pathAndQuery[(split + 1)..]
        .Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(pair => pair.Split('=', 2))
        .Select(kv => (Name: Decode(kv[0]), Value: kv.Length > 1 ? Decode(kv[1]) : null))
        .OrderBy(kv => kv.Name, StringComparer.Ordinal)
        .ToArray();
    var text = new StringBuilder().Append(method).Append('\n').Append(accept).Append("\n\n\n\n")
        .Append("X-Ca-Key:").Append(appKey).Append('\n')
        .Append("X-Ca-Timestamp:").Append(timestamp).Append('\n')
        .Append(path);
    if (parameters.Length > 0)
    {
        text.Append('?').AppendJoin('&', parameters.Select(p => p.Value is null ? p.Name : p.Name + "=" + p.Value));
    }

    var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text.ToString())));
    Console.Out.Write($"Accept: {accept}\nX-Ca-Key: {appKey}\nX-Ca-Timestamp: {timestamp}\nX-Ca-Signature-Headers: X-Ca-Key,X-Ca-Timestamp\nX-Ca-Signature: {signature}\n");
    return 0;

    static string Decode(string s) => WebUtility.UrlDecode(s);
}

static int Oidc(string issuer, string audience, string subject, string jwksPath, string tokenPath)
{
    using var rsa = RSA.Create(2048);
    var p = rsa.ExportParameters(false);
    const string kid = "bench-1";
    File.WriteAllText(jwksPath, JsonSerializer.Serialize(new
    {
        keys = new[] { new { kty = "RSA", kid, use = "sig", alg = "RS256", n = B64(p.Modulus!), e = B64(p.Exponent!) } },
    }));
    var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    var header = B64(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid }));
    var payload = B64(JsonSerializer.SerializeToUtf8Bytes(new { iss = issuer, aud = audience, sub = subject, iat = now, nbf = now - 60, exp = now + (3 * 3600) }));
    var signature = rsa.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    File.WriteAllText(tokenPath, header + "." + payload + "." + B64(signature));
    return 0;

    static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
