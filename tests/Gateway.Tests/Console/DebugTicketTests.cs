using Gateway.Debugging;
using Gateway.Frontend.Debugging;
using Gateway.Silo.Admin;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Console;

/// <summary>The debug ticket is good only with its key, for its method and path (and the draft it names), until it expires.</summary>
public sealed class DebugTicketTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Key = DebugTicket.NewKey();

    [Fact]
    public void A_ticket_verifies_with_its_key_method_and_path_within_its_lifetime()
    {
        var ticket = DebugTicket.Create(Key, "GET", "/shop/orders/42", Now);
        Assert.True(DebugTicket.Verify(Key, ticket, "GET", "/shop/orders/42", Now));
        Assert.True(DebugTicket.Verify(Key, ticket, "get", "/shop/orders/42", Now + DebugTicket.Lifetime - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_ticket_is_refused_with_another_key_method_path_or_after_it_expires()
    {
        var ticket = DebugTicket.Create(Key, "GET", "/shop/orders/42", Now);
        Assert.False(DebugTicket.Verify(DebugTicket.NewKey(), ticket, "GET", "/shop/orders/42", Now));
        Assert.False(DebugTicket.Verify(Key, ticket, "POST", "/shop/orders/42", Now));
        Assert.False(DebugTicket.Verify(Key, ticket, "GET", "/shop/orders/43", Now));
        Assert.False(DebugTicket.Verify(Key, ticket, "GET", "/shop/orders/42", Now + DebugTicket.Lifetime + TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void A_draft_ticket_verifies_only_with_the_draft_it_names_and_an_ordinary_one_with_none()
    {
        var draft = DebugDraft.Value("get-order", new string('a', 64));
        var ticket = DebugTicket.Create(Key, "GET", "/shop/orders/42", Now, draft);
        Assert.True(DebugTicket.Verify(Key, ticket, "GET", "/shop/orders/42", Now, draft));
        Assert.False(DebugTicket.Verify(Key, ticket, "GET", "/shop/orders/42", Now));
        Assert.False(DebugTicket.Verify(Key, ticket, "GET", "/shop/orders/42", Now, DebugDraft.Value("get-order", new string('b', 64))));
        Assert.False(DebugTicket.Verify(Key, ticket, "GET", "/shop/orders/42", Now, DebugDraft.Value("other", new string('a', 64))));

        var ordinary = DebugTicket.Create(Key, "GET", "/shop/orders/42", Now);
        Assert.False(DebugTicket.Verify(Key, ordinary, "GET", "/shop/orders/42", Now, draft));

        // Each ticket has a nonce of its own, kept until it expires, so that it is taken once.
        Assert.True(DebugTicket.TryReadNonce(ticket, out var nonce, out var expires));
        Assert.True(DebugTicket.TryReadNonce(ordinary, out var other, out _));
        Assert.NotEqual(nonce, other);
        Assert.Equal(Now + DebugTicket.Lifetime, expires);
        Assert.False(DebugTicket.TryReadNonce("garbage", out _, out _));
    }

    [Theory]
    [InlineData("get-order 0123")]
    [InlineData("get-order")]
    [InlineData(" aaaa")]
    [InlineData(null)]
    public void A_draft_header_that_does_not_name_an_api_and_a_digest_is_refused(string? value) =>
        Assert.False(DebugDraft.TryParse(value, out _, out _));

    [Fact]
    public void The_draft_digest_follows_the_definition()
    {
        var api = new Gateway.Catalog.ApiDefinition { Id = "a", Group = "g", Name = "A", Methods = ["GET"], Path = "/a", Backend = "b" };
        Assert.Equal(DebugDraft.Digest(api), DebugDraft.Digest(api with { }));
        Assert.NotEqual(DebugDraft.Digest(api), DebugDraft.Digest(api with { BackendPath = "/other" }));
        Assert.True(DebugDraft.TryParse(DebugDraft.Value("a", DebugDraft.Digest(api)), out var id, out var digest));
        Assert.Equal(("a", DebugDraft.Digest(api)), (id, digest));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("1.2")]
    [InlineData("-5.abc.def")]
    [InlineData("99999999999999999999.abc.def")]
    public void Malformed_tickets_are_refused_without_an_exception(string? ticket) =>
        Assert.False(DebugTicket.Verify(Key, ticket, "GET", "/x", Now));

    [Fact]
    public void A_ticket_whose_expiry_is_pushed_into_the_future_no_longer_verifies()
    {
        var parts = DebugTicket.Create(Key, "GET", "/x", Now).Split('.');
        var later = (long.Parse(parts[0]) + 30).ToString();
        Assert.False(DebugTicket.Verify(Key, $"{later}.{parts[1]}.{parts[2]}", "GET", "/x", Now));
    }

    [Theory]
    [InlineData("Debug:Key", "too-short")]
    [InlineData("Debug:FrontendAddress", "not an address")]
    [InlineData("Debug:FrontendAddress", "ftp://frontend:21")]
    public void Misconfigured_debug_settings_stop_the_start_with_the_setting_named(string name, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(name, value)]).Build();
        var silo = Assert.Throws<InvalidOperationException>(() => DebugTarget.From(configuration));
        Assert.Contains(name, silo.Message);
        if (name == "Debug:Key")
        {
            Assert.Contains(name, Assert.Throws<InvalidOperationException>(() => DebugSettings.From(configuration)).Message);
            Assert.DoesNotContain(value, silo.Message);
        }
    }
}

/// <summary>The debug timeline names the step that answered from the gateway error code.</summary>
public sealed class DebugTimelineTests
{
    [Fact]
    public void Every_error_the_pipeline_writes_belongs_to_one_step()
    {
        var unmapped = Gateway.Frontend.Errors.GatewayError.All
            .Where(e => e.Code != Gateway.Frontend.Errors.GatewayError.Internal.Code && Gateway.Frontend.Debugging.DebugTimelines.StepOf(e.Code) is null)
            .Select(e => e.Code)
            .ToList();
        Assert.Empty(unmapped);
    }

    [Theory]
    [InlineData("A404NF", "route")]
    [InlineData("A403IP", "ip access")]
    [InlineData("A400IS", "authentication")]
    [InlineData("A401TX", "authentication")]
    [InlineData("A403NG", "grant")]
    [InlineData("A400IP", "parameters")]
    [InlineData("A408BS", "parameters")]
    [InlineData("A429TA", "throttling")]
    [InlineData("D504TO", "backend")]
    public void Codes_map_to_their_steps(string code, string step) =>
        Assert.Equal(step, Gateway.Frontend.Debugging.DebugTimelines.StepOf(code));
}
