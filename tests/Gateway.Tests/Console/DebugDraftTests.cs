using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Catalog;
using Gateway.Debugging;
using Gateway.Frontend.Debugging;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Console;

/// <summary>
/// Debugging the unpublished draft: <c>"draft": true</c> calls the definition as saved, through the real frontend,
/// as if it were published in the stage; every other call still gets what is live. Only a ticket the admin host made
/// for that draft, used once, reaches it.
/// </summary>
public sealed class DebugDraftTests : IAsyncLifetime
{
    private const string AdminToken = "draft-admin-token-0123456789";

    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Admin:Token"] = AdminToken });
        _gateway.Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        await _gateway.ImportAsync($$"""
            groups: [{ name: shop, basePath: /shop }]
            backends: [{ name: orders, addresses: ["{{_backend.Address}}"] }]
            apis:
              - { id: live, group: shop, name: Live, methods: [GET], path: "/items/{id}", backend: orders, backendPath: "/echo/v1/{id}" }
              - { id: fresh, group: shop, name: Fresh, methods: [GET], path: "/fresh", backend: orders, backendPath: "/echo/fresh" }
            deployments: [{ api: live, stage: TEST }]
            """);

        // The draft of 'live' moves on: a new backend path, saved and not published.
        using var saved = await _gateway.Admin.PutAsJsonAsync("/v1/apis/live", new
        {
            id = "live", group = "shop", name = "Live", methods = new[] { "GET" }, path = "/items/{id}", backend = "orders", backendPath = "/echo/v2/{id}",
        });
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        await _gateway.WaitForRevisionAsync(JsonDocument.Parse(await saved.Content.ReadAsStringAsync()).RootElement.GetProperty("revision").GetInt64());
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task A_debug_call_of_the_draft_sees_its_change_and_every_other_call_sees_what_is_live()
    {
        var draft = await Debug(new { api = "live", draft = true, path = new { id = "5" } });
        Assert.Equal(200, draft.GetProperty("status").GetInt32());
        var echo = Echo(draft.GetProperty("body").GetString()!);
        Assert.Equal("/echo/v2/5", echo.Path);
        Assert.DoesNotContain(echo.Headers.Keys, h => h.StartsWith("x-ca-debug", StringComparison.Ordinal));
        Assert.Equal(DebugDraft.Digest((await Catalog().GetDraft("live"))!), draft.GetProperty("draft").GetString());
        var steps = draft.GetProperty("steps").EnumerateArray().ToList();
        Assert.All(steps, s => Assert.Contains(s.GetProperty("outcome").GetString(), new[] { "passed", "not charged" }));
        Assert.Contains("unpublished draft", steps[0].GetProperty("detail").GetString());

        // The same API without "draft", and an ordinary call: version 1, as published.
        var published = await Debug(new { api = "live", path = new { id = "5" } });
        Assert.Equal("/echo/v1/5", Echo(published.GetProperty("body").GetString()!).Path);
        Assert.False(published.TryGetProperty("draft", out var none) && none.ValueKind != JsonValueKind.Null);
        using (var ordinary = await Send("/shop/items/5"))
        {
            Assert.Equal("/echo/v1/5", Echo(await ordinary.Content.ReadAsStringAsync()).Path);
        }

        // A draft published nowhere, called as if in RELEASE: only the debug call reaches it.
        var fresh = await Debug(new { api = "fresh", stage = "RELEASE", draft = true });
        Assert.Equal(200, fresh.GetProperty("status").GetInt32());
        Assert.Equal("/echo/fresh", Echo(fresh.GetProperty("body").GetString()!).Path);
        using (var notLive = await Send("/shop/fresh", stage: "RELEASE"))
        {
            Assert.Equal(HttpStatusCode.NotFound, notLive.StatusCode);
            Assert.Equal("A404NF", notLive.Headers.GetValues("X-Ca-Error-Code").Single());
        }
    }

    [Fact]
    public async Task A_drafts_mock_answers_in_place_of_the_backend()
    {
        using (var saved = await _gateway.Admin.PutAsJsonAsync("/v1/apis/fresh", new
        {
            id = "fresh", group = "shop", name = "Fresh", methods = new[] { "GET" }, path = "/fresh", backend = "orders",
            mock = new { status = 201, body = "mocked draft" },
        }))
        {
            Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        }

        var before = _backend.Requests;
        var answer = await Debug(new { api = "fresh", draft = true });
        Assert.Equal((201, "mocked draft"), (answer.GetProperty("status").GetInt32(), answer.GetProperty("body").GetString()));
        var last = answer.GetProperty("steps").EnumerateArray().Last();
        Assert.Equal(("mock", "passed"), (last.GetProperty("step").GetString(), last.GetProperty("outcome").GetString()));
        Assert.Equal(before, _backend.Requests);
    }

    [Fact]
    public async Task A_forged_altered_or_replayed_ticket_never_reaches_the_draft()
    {
        var key = _gateway.Host.App.Services.GetRequiredService<DebugSettings>().Key!;
        var header = DebugDraft.Value("live", DebugDraft.Digest((await Catalog().GetDraft("live"))!));
        var now = DateTimeOffset.UtcNow;
        const string path = "/shop/items/5";

        // Made with another key; made for an ordinary debug call with the draft header added; made for another draft.
        await AssertOrdinary(DebugTicket.Create(DebugTicket.NewKey(), "GET", path, now, header), header);
        await AssertOrdinary(DebugTicket.Create(key, "GET", path, now), header);
        await AssertOrdinary(DebugTicket.Create(key, "GET", path, now, DebugDraft.Value("fresh", new string('0', 64))), header);
        await AssertOrdinary(DebugTicket.Create(key, "GET", "/shop/items/6", now, header), header);

        // The draft route's own header, guessed or copied from nowhere, is no way in either.
        using (var guessed = await Send(path, headers: new() { [DraftRouting.Header] = "0123456789abcdef" }))
        {
            Assert.Equal("/echo/v1/5", Echo(await guessed.Content.ReadAsStringAsync()).Path);
        }

        // A good ticket reaches the draft once; the same request again is an ordinary call.
        var ticket = DebugTicket.Create(key, "GET", path, now, header);
        using (var first = await Send(path, headers: new() { [DebugTicket.Header] = ticket, [DebugDraft.Header] = header }))
        {
            Assert.Equal("/echo/v2/5", Echo(await first.Content.ReadAsStringAsync()).Path);
            Assert.True(first.Headers.Contains(DebugTicket.TimelineHeader));
        }

        await AssertOrdinary(ticket, header);

        // A good ticket for a draft that has changed since: refused at the route step, never another definition.
        var stale = DebugDraft.Value("live", new string('a', 64));
        using var changed = await Send(path, headers: new() { [DebugTicket.Header] = DebugTicket.Create(key, "GET", path, now, stale), [DebugDraft.Header] = stale });
        Assert.Equal(HttpStatusCode.NotFound, changed.StatusCode);
        Assert.Contains("changed since", await changed.Content.ReadAsStringAsync());
        Assert.True(changed.Headers.Contains(DebugTicket.TimelineHeader));
    }

    [Fact]
    public async Task Bad_draft_requests_are_refused_with_their_problem_named()
    {
        using (var unknown = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "no-such-api", draft = true }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("no-such-api", await unknown.Content.ReadAsStringAsync());
        }

        using (var badStage = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "live", draft = true, stage = "LIVE", path = new { id = "1" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badStage.StatusCode);
            Assert.Contains("BadStage", await badStage.Content.ReadAsStringAsync());
        }

        using (var noPath = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "live", draft = true }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noPath.StatusCode);
            Assert.Contains("path.id", await noPath.Content.ReadAsStringAsync());
        }

        // Not published anywhere, and asked without "draft": the answer says how to call it.
        using var notLive = await _gateway.Admin.PostAsJsonAsync("/v1/debug", new { api = "fresh" });
        Assert.Equal(HttpStatusCode.NotFound, notLive.StatusCode);
        Assert.Contains("draft", await notLive.Content.ReadAsStringAsync());
    }

    private async Task AssertOrdinary(string ticket, string draftHeader)
    {
        using var response = await Send("/shop/items/5", headers: new() { [DebugTicket.Header] = ticket, [DebugDraft.Header] = draftHeader });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = Echo(await response.Content.ReadAsStringAsync());
        Assert.Equal("/echo/v1/5", echo.Path);
        Assert.False(response.Headers.Contains(DebugTicket.TimelineHeader), "an ordinary call has no timeline");
        Assert.DoesNotContain(echo.Headers.Keys, h => h.StartsWith("x-ca-debug", StringComparison.Ordinal));
    }

    private async Task<JsonElement> Debug(object request)
    {
        using var response = await _gateway.Admin.PostAsJsonAsync("/v1/debug", request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> Send(string path, string stage = "TEST", Dictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Ca-Stage", stage);
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _gateway.Gateway.SendAsync(request);
    }

    private ICatalogGrain Catalog() =>
        _gateway.Host.Silo!.Services.GetRequiredService<IGrainFactory>().GetGrain<ICatalogGrain>(GrainKeys.Catalog);

    private static EchoResponse Echo(string body) => JsonSerializer.Deserialize<EchoResponse>(body, JsonSerializerOptions.Web)!;
}
