using System.Net;
using System.Net.Http.Json;
using System.Text;
using Gateway.Tests.Frontend.Parameters;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Frontend.Mock;

/// <summary>Mock mode end to end: answered by the gateway without a backend, still validated, switched by publishing.</summary>
public sealed class MockEndToEndTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;
    private int _deadPort;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        _deadPort = FreePorts.Next(); // nothing listens there
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private string Catalog(string mock, string backend = "dead") => $$"""
        groups:
          - name: m
            basePath: /m
        backends:
          - name: dead
            addresses: ["http://127.0.0.1:{{_deadPort}}"]
          - name: echo
            addresses: ["{{_backend.Address}}"]
        apis:
          - id: mocked
            group: m
            name: Mocked
            methods: [GET, HEAD]
            path: /mocked
            backend: {{backend}}
            parameters:
              - {name: q, location: QUERY, type: INT, required: true}
        {{mock}}
        deployments:
          - {api: mocked, stage: RELEASE}
          - {api: mocked, stage: TEST}
        """;

    private const string Mock = """
            mock:
              status: 201
              headers:
                - {name: Content-Type, value: application/json}
                - {name: X-Mock, value: "yes"}
              body: '{"mock": true, "text": "café"}'
        """;

    [Fact]
    public async Task A_mocked_api_answers_without_its_backend_and_still_validates()
    {
        await _gateway.WaitForRevisionAsync(await ParameterGatewayFixture.ImportAsync(_gateway, Catalog(Mock)));

        using var response = await _gateway.Gateway.GetAsync("/m/mocked?q=1");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("yes", response.Headers.GetValues("X-Mock").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.Contains("X-Ca-Request-Id"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("{\"mock\": true, \"text\": \"café\"}", body);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);

        // Validation runs before the mock.
        using var invalid = await _gateway.Gateway.GetAsync("/m/mocked?q=x");
        await ParameterGatewayFixture.ErrorAsync(invalid, 400, "A400IP");

        using var head = await _gateway.Gateway.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/m/mocked?q=1"));
        Assert.Equal(HttpStatusCode.Created, head.StatusCode);
    }

    [Fact]
    public async Task Mocked_calls_are_counted_like_any_call()
    {
        await _gateway.WaitForRevisionAsync(await ParameterGatewayFixture.ImportAsync(_gateway, Catalog(Mock)));
        for (var i = 0; i < 2; i++)
        {
            using var mocked = await _gateway.Gateway.GetAsync("/m/mocked?q=1");
            Assert.Equal(HttpStatusCode.Created, mocked.StatusCode);
        }

        using (var invalid = await _gateway.Gateway.GetAsync("/m/mocked?q=x"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }

        // Frontends send their counters once a second; the live series shows all three calls.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        System.Text.Json.JsonElement totals;
        do
        {
            await Task.Delay(250);
            totals = (await _gateway.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/monitoring/apis/mocked?minutes=1")).GetProperty("totals");
        }
        while (totals.GetProperty("requests").GetInt64() < 3 && DateTime.UtcNow < deadline);

        Assert.Equal(3, totals.GetProperty("requests").GetInt64());
        Assert.Equal(1, totals.GetProperty("status4xx").GetInt64());
    }

    [Fact]
    public async Task Mock_is_per_stage_and_switched_by_publishing()
    {
        var testOnly = Mock + "\n      stages: [TEST]";
        await _gateway.WaitForRevisionAsync(await ParameterGatewayFixture.ImportAsync(_gateway, Catalog(testOnly, backend: "echo")));

        using (var test = await Call("TEST"))
        {
            Assert.Equal(HttpStatusCode.Created, test.StatusCode);
        }

        var before = _backend.Requests;
        using (var release = await Call("RELEASE"))
        {
            Assert.Equal(HttpStatusCode.OK, release.StatusCode);
            Assert.Equal("/mocked", (await release.Content.ReadFromJsonAsync<EchoResponse>())!.Path);
        }

        Assert.Equal(before + 1, _backend.Requests);

        // Publishing the draft without a mock switches it off in TEST too.
        await _gateway.WaitForRevisionAsync(await ParameterGatewayFixture.ImportAsync(_gateway, Catalog("", backend: "echo")));
        using var off = await Call("TEST");
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Equal(before + 2, _backend.Requests);
    }

    private async Task<HttpResponseMessage> Call(string stage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/m/mocked?q=1");
        request.Headers.Add("X-Ca-Stage", stage);
        return await _gateway.Gateway.SendAsync(request);
    }
}
