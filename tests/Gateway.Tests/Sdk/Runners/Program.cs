// Runs inside the generated C# SDK's folder, compiled by SdkRunTests: the signer core against the X-Ca vectors,
// then every API of the test catalog through the generated client against the running gateway.
// Arguments: gateway address, AppKey, AppSecret, vectors file, OpenID Connect token.
using System.Text;
using ShopSdk;

var (baseUrl, appKey, appSecret, vectors, token) = (new Uri(args[0]), args[1], args[2], args[3], args[4]);

foreach (var line in File.ReadAllLines(vectors).Where(l => l.Length > 0))
{
    // name, method, path, query, signed headers, accept, content-md5, content-type, date, form, secret, algorithm, string-to-sign, signature, body
    var f = line.Split('\t').Select(x => Encoding.UTF8.GetString(Convert.FromBase64String(x))).ToArray();
    var headers = f[4].Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(h => new KeyValuePair<string, string>(h[..h.IndexOf(':')], h[(h.IndexOf(':') + 1)..])).ToList();
    var form = f[9].Length == 0 ? null : CaSigner.ParsePairs(f[9]);
    var stringToSign = CaSigner.StringToSign(f[1], f[5], f[6], f[7], f[8], headers, f[2], CaSigner.ParsePairs(f[3]), form);
    var signature = CaSigner.Sign(f[10], f[11], stringToSign);
    var md5 = f[6].Length == 0 || form is not null || CaSigner.ContentMd5(Encoding.UTF8.GetBytes(f[14])) == f[6];
    Console.WriteLine(stringToSign == f[12] && signature == f[13] && md5
        ? $"VECTOR {f[0]} ok"
        : $"VECTOR {f[0]} FAILED: {stringToSign.Replace("\n", "#")} {signature}");
}

var client = new ShopClient(new GatewayConnection(baseUrl, appKey, appSecret));
await Call("get-item", () => client.GetItemAsync(42, "t-7", page: 2, tag: ["a", "b c"], sort: "desc"));
await Call("place-order", () => client.PlaceOrderAsync(new { sku = "A-1", qty = 3 }));
await Call("login", () => client.LoginAsync("ann", "x y&z", remember: true));
await Call("nonce-1", () => client.NoncePingAsync());
await Call("nonce-2", () => client.NoncePingAsync());
await Call("hello", () => client.ShopHelloAsync("wörld"));
await Call("status", () => client.StatusAsync());
await Call("whoami", () => client.WhoamiAsync(token));
var wrong = new ShopClient(new GatewayConnection(baseUrl, appKey, "not-the-secret-of-this-app"));
await Call("wrong-secret", () => wrong.GetItemAsync(42, "t-7"));

// A 503 on the first attempt: the retry must be signed anew, with a nonce of its own.
var flaky = new FirstAttemptBusy { InnerHandler = new HttpClientHandler() };
var retrying = new ShopClient(new GatewayConnection(baseUrl, appKey, appSecret, http: new HttpClient(flaky)));
await Call("retry", () => retrying.NoncePingAsync());
Console.WriteLine($"RETRY {flaky.Nonces.Count} {flaky.Nonces.Distinct().Count()}");

static async Task Call(string name, Func<Task<ApiResponse>> call)
{
    try
    {
        var response = await call();
        Console.WriteLine($"CALL {name} {response.Status} {Convert.ToBase64String(Encoding.UTF8.GetBytes(response.Body))}");
    }
    catch (GatewayApiException e)
    {
        Console.WriteLine($"ERROR {name} {e.Status} {e.ErrorCode}");
    }
}

/// <summary>Answers the first request with 503 itself, as a gateway whose nonce check is briefly unavailable would.</summary>
internal sealed class FirstAttemptBusy : DelegatingHandler
{
    public List<string> Nonces { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Nonces.Add(request.Headers.GetValues("X-Ca-Nonce").Single());
        return Nonces.Count == 1
            ? Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable) { RequestMessage = request })
            : base.SendAsync(request, cancellationToken);
    }
}
