using System.Net;
using System.Net.Http.Json;
using System.Text;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Security.Signature;

/// <summary>
/// Every published client vector, sent as it is (its headers in its own letter case, its signature) through a
/// real gateway over HTTP/1.1 and over cleartext HTTP/2, with the gateway clock at the vectors' timestamp and the
/// vectors' AppKey/AppSecret taken over through the admin API. Several vectors share a nonce, so each case gets
/// a gateway of its own (fresh nonce memory).
/// </summary>
public sealed class SignatureVectorsEndToEndTests
{
    public static IEnumerable<object[]> Cases =>
        from vector in SignatureVectors.Client
        from protocol in new[] { "1.1", "2" }
        select new object[] { vector.Name, protocol };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_vector_is_accepted_and_forwarded(string name, string protocol)
    {
        var vector = SignatureVectors.ClientNamed(name);
        await using var backend = await EchoBackend.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(vector.Headers.First(h => h.Key.Equals("x-ca-timestamp", StringComparison.OrdinalIgnoreCase)).Value)));

        // The frontend's gateway clock is the fake one; the silo keeps the system clock (it registers its own after this).
        await using var gateway = await EmbeddedGateway.StartAsync(configure: b => b.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, clock));
        await gateway.ImportAsync(Catalog(backend.Address));
        var key = await CallerAdmin.CreateKeyAsync(gateway.Admin, "vectors", new { appKey = vector.Header("X-Ca-Key"), appSecret = vector.Secret });
        await gateway.WaitForRevisionAsync(key.Revision);

        var url = new Uri(vector.Url);
        using var client = new HttpClient { BaseAddress = protocol == "2" ? gateway.Http2Address : gateway.GatewayAddress };
        using var request = new HttpRequestMessage(new HttpMethod(vector.Method), url.PathAndQuery)
        {
            Version = protocol == "2" ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = url.Host;
        if (vector.Body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(vector.Body));
        }

        foreach (var (header, value) in vector.Headers)
        {
            if (header.StartsWith("content-", StringComparison.OrdinalIgnoreCase))
            {
                request.Content!.Headers.TryAddWithoutValidation(header, value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(header, value);
            }
        }

        request.Headers.TryAddWithoutValidation("X-Ca-Signature", vector.Signature);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        Assert.Equal(protocol == "2" ? HttpVersion.Version20 : HttpVersion.Version11, response.Version);
        var echo = System.Text.Json.JsonSerializer.Deserialize<EchoResponse>(body, System.Text.Json.JsonSerializerOptions.Web)!;
        Assert.Equal(url.AbsolutePath, echo.Path);
        Assert.Equal(vector.Body ?? "", echo.Body);

        // The same request again is a replay, whichever protocol it comes over.
        using var again = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var (header, values) in request.Headers)
        {
            again.Headers.TryAddWithoutValidation(header, values);
        }

        if (vector.Body is not null)
        {
            again.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(vector.Body));
            foreach (var (header, values) in request.Content!.Headers)
            {
                again.Content.Headers.TryAddWithoutValidation(header, values);
            }
        }

        using var replay = await client.SendAsync(again);
        await GatewayAssert.Refused(replay, HttpStatusCode.BadRequest, "A400NR");
    }

    private static string Catalog(Uri backend)
    {
        (string Id, string Method, string Path)[] apis =
        [
            ("orders-get", "GET", "/v1/orders/{id}"), ("orders-put", "PUT", "/v1/orders/{id}"), ("orders-post", "POST", "/v1/orders"),
            ("health", "GET", "/health"), ("login", "POST", "/v1/login"), ("items", "GET", "/v1/items"),
            ("ping", "GET", "/v1/ping"), ("search", "GET", "/v1/search"),
        ];
        var text = new StringBuilder($$"""
            groups:
              - name: vectors
                domains: [api.example.com]
            backends:
              - name: echo
                addresses: ["{{backend}}"]
            apps:
              - { id: vectors, name: Vector client, owner: vector-owner }
            apis:

            """);
        foreach (var (id, method, path) in apis)
        {
            text.AppendLine($"  - {{ id: {id}, group: vectors, name: {id}, methods: [{method}], path: \"{path}\", backend: echo, authType: AppSignature }}");
        }

        text.AppendLine("deployments:");
        foreach (var (id, _, _) in apis)
        {
            text.AppendLine($"  - {{ api: {id}, stage: RELEASE }}").AppendLine($"  - {{ api: {id}, stage: TEST }}");
        }

        text.AppendLine("grants:");
        foreach (var (id, _, _) in apis)
        {
            text.AppendLine($"  - {{ app: vectors, api: {id}, stage: RELEASE }}").AppendLine($"  - {{ app: vectors, api: {id}, stage: TEST }}");
        }

        return text.ToString();
    }
}
