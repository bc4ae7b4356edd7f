using Gateway.Frontend.Security.OpenIdConnect;
using Gateway.Security;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Security.OpenIdConnect;

/// <summary>Fetching a real provider's keys by discovery, and the rate limit on refetches, on a fake clock.</summary>
public sealed class JwksFetchTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ServiceProvider _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private OidcProviderProcess _provider = null!;

    public async Task InitializeAsync() => _provider = await OidcProviderProcess.StartAsync(FreePorts.Next(), "f1");

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task Refetches_are_shared_and_at_least_the_minimum_interval_apart()
    {
        var keys = new IdentityProviderKeys(
            _services.GetRequiredService<IHttpClientFactory>(), new OpenIdConnectSettings { JwksMinRefreshSeconds = 30 }, _time, NullLogger<IdentityProviderKeys>.Instance);
        var provider = new IdentityProvider { Name = "op", Issuer = _provider.Issuer, Audiences = ["a"] };
        var hits = await _provider.JwksHitsAsync();

        // Many requests with unknown kids at once: one fetch.
        var sets = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => keys.RefreshAsync(provider)));
        Assert.All(sets, s => Assert.Contains("rsa-f1", s.ByKid.Keys));
        Assert.Contains("ec-f1", sets[0].ByKid.Keys);
        Assert.Equal(hits + 1, await _provider.JwksHitsAsync());

        // Within the interval: no fetch, the keys held are the answer.
        _time.Advance(TimeSpan.FromSeconds(29));
        await keys.RefreshAsync(provider);
        await keys.RefreshAsync(provider);
        Assert.Equal(hits + 1, await _provider.JwksHitsAsync());

        _time.Advance(TimeSpan.FromSeconds(1));
        await keys.RefreshAsync(provider);
        Assert.Equal(hits + 2, await _provider.JwksHitsAsync());
    }

    [Fact]
    public async Task A_provider_that_is_down_or_names_another_issuer_keeps_no_keys_and_says_why()
    {
        var keys = new IdentityProviderKeys(
            _services.GetRequiredService<IHttpClientFactory>(), new OpenIdConnectSettings { FetchTimeoutSeconds = 2 }, _time, NullLogger<IdentityProviderKeys>.Instance);

        var wrongIssuer = new IdentityProvider { Name = "wrong", Issuer = "https://not-this.test", DiscoveryUrl = _provider.Issuer + "/.well-known/openid-configuration", Audiences = ["a"] };
        var set = await keys.RefreshAsync(wrongIssuer, force: true);
        Assert.False(set.HasKeys);
        Assert.Contains("names issuer", set.Error);

        var down = new IdentityProvider { Name = "down", Issuer = $"http://127.0.0.1:{FreePorts.Next()}", Audiences = ["a"] };
        set = await keys.RefreshAsync(down, force: true);
        Assert.False(set.HasKeys);
        Assert.NotNull(set.Error);
    }
}
