using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Frontend.Pipeline;

/// <summary>The frontend has one clock: the gateway's. A test that registers its own clock freezes every step.</summary>
public sealed class OneClockTests
{
    [Fact]
    public async Task Every_frontend_step_reads_the_gateways_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        await using var gateway = await EmbeddedGateway.StartAsync(configure: b => b.Services.AddKeyedSingleton<TimeProvider>(GatewayTime.Key, clock));
        var services = gateway.Host.App.Services;

        Assert.Same(clock, services.GetRequiredService<TimeProvider>());
        Assert.Same(clock, services.GetRequiredKeyedService<TimeProvider>(GatewayTime.Key));
    }
}
