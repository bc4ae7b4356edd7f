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
//   hmac [threads]                                    CPU µs per HMAC-SHA256 of a backend string-to-sign: one-shot vs a reused context
return args.FirstOrDefault() switch
{
    "echo" when args.Length == 2 => await Echo(int.Parse(args[1], CultureInfo.InvariantCulture)),
    "sign" when args.Length == 5 => Sign(args[1], args[2], args[3], args[4]),
    "oidc" when args.Length == 6 => Oidc(args[1], args[2], args[3], args[4], args[5]),
    "hmac" => Hmac(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2),
    _ => Usage(),
};

static int Hmac(int threads)
{
    var key = Encoding.UTF8.GetBytes("a-backend-signing-secret-of-32-bytes!");
    var text = Encoding.UTF8.GetBytes("GET\n\nx-ca-request-id:6F1C2B7A-0D3E-4A55-0000-000000000001\nx-ca-stage:RELEASE\n/internal/items/42?p=1&query=red");
    const int Calls = 200_000;

    double Measure(Action<byte[]> sign)
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        Parallel.For(0, threads, _ =>
        {
            var mac = new byte[32];
            for (var i = 0; i < Calls; i++)
            {
                sign(mac);
            }
        });
        var used = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return used.TotalMicroseconds / (Calls * (double)threads);
    }

    var pool = new System.Collections.Concurrent.ConcurrentQueue<IncrementalHash>();
    void Reused(byte[] mac)
    {
        if (!pool.TryDequeue(out var hmac))
        {
            hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        }

        hmac.AppendData(text);
        hmac.GetHashAndReset(mac);
        pool.Enqueue(hmac);
    }

    for (var round = 0; round < 2; round++)
    {
        Console.WriteLine($"threads={threads} one-shot HMACSHA256.HashData: {Measure(mac => HMACSHA256.HashData(key, text, mac)):0.00} µs CPU/call");
        Console.WriteLine($"threads={threads} reused IncrementalHash:      {Measure(Reused):0.00} µs CPU/call");
    }

    return 0;
}

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
