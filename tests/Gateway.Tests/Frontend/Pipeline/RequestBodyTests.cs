using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.BackendSignature;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;
using Gateway.Tests.Security.BackendSignature;

namespace Gateway.Tests.Frontend.Pipeline;

/// <summary>
/// One owner of the request body: whichever step reads it first (parameter validation, the backend signature) reads
/// it within the API's limit, or the frontend's default for bodies it reads, whatever the framing; every later step
/// and the backend get the same bytes.
/// </summary>
public sealed class RequestBodyTests : IAsyncLifetime
{
    private const int ReadLimit = 1000;

    private SignatureCheckingBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await SignatureCheckingBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Parameters:MaxReadBodyBytes"] = ReadLimit.ToString() });
        await _gateway.ImportAsync($$"""
            groups:
              - name: b
                basePath: /b
            backends:
              - name: signed
                addresses: ["{{_backend.Address}}"]
            apis:
              - { id: pass, group: b, name: Pass, methods: [POST], path: /pass, backend: signed }
              - { id: limited, group: b, name: Limited, methods: [POST], path: /limited, backend: signed, maxBodyBytes: 100 }
              - id: form
                group: b
                name: Form
                methods: [POST]
                path: /form
                backend: signed
                parameters:
                  - { name: count, location: FORM, type: INT, required: true, maximum: 10 }
            deployments:
              - { api: pass, stage: RELEASE }
              - { api: limited, stage: RELEASE }
              - { api: form, stage: RELEASE }
            """);
        using var created = await _gateway.Admin.PostAsJsonAsync("/v1/backends/signed/signing-keys", new { name = "k1" });
        var secret = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        _backend.Verifier = new BackendSignatureVerifier(new Dictionary<string, string> { ["k1"] = secret });
        using var use = await _gateway.Admin.PutAsJsonAsync("/v1/backends/signed", new { addresses = new[] { _backend.Address.ToString() }, signingKey = "k1" });
        await _gateway.WaitForRevisionAsync(await CallerAdmin.RevisionOf(use));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_the_backend_signature_must_read_is_held_to_the_frontends_read_limit(bool chunked)
    {
        using (var over = await PostAsync("/b/pass", new string('x', ReadLimit + 1), chunked))
        {
            await GatewayAssert.Refused(over, HttpStatusCode.RequestEntityTooLarge, "A413BL");
        }

        var body = new string('y', ReadLimit);
        using var at = await PostAsync("/b/pass", body, chunked);
        var received = await ReceivedAsync(at);
        Assert.Equal("Valid", received.Status);
        Assert.Equal(body, received.Body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_apis_own_limit_holds_whatever_the_framing(bool chunked)
    {
        using (var over = await PostAsync("/b/limited", new string('x', 101), chunked))
        {
            await GatewayAssert.Refused(over, HttpStatusCode.RequestEntityTooLarge, "A413BL");
        }

        using var at = await PostAsync("/b/limited", new string('y', 100), chunked);
        var received = await ReceivedAsync(at);
        Assert.Equal("Valid", received.Status);
        Assert.Equal(100, received.Body.Length);
    }

    [Fact]
    public async Task A_form_read_for_validation_is_the_one_the_backend_signature_covers_and_the_backend_gets()
    {
        const string form = "count=3&note=a+b%26c";
        using (var ok = await PostAsync("/b/form?z=1", form, chunked: true, "application/x-www-form-urlencoded"))
        {
            var received = await ReceivedAsync(ok);
            Assert.Equal("Valid", received.Status);
            Assert.Equal(form, received.Body);
            Assert.EndsWith("\n/form?count=3&note=a b&c&z=1", received.StringToSign);
        }

        using var tooMany = await PostAsync("/b/form", "count=11", chunked: true, "application/x-www-form-urlencoded");
        await GatewayAssert.Refused(tooMany, HttpStatusCode.BadRequest, "A400IP");
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string body, bool chunked, string contentType = "text/plain")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = new(contentType);
        request.Headers.TransferEncodingChunked = chunked;
        return await _gateway.Gateway.SendAsync(request);
    }

    private static async Task<Received> ReceivedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<Received>(text, JsonSerializerOptions.Web)!;
    }
}
