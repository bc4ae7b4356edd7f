using Gateway.Hosting;
using System.Net;
using System.Net.Http.Json;
using Gateway.Silo;
using Gateway.Silo.Hosting;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Silo.Hosting;

/// <summary>How hosts stop: configurable timeout, unready first, a drain delay, in-flight requests finished.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Readiness_turns_unhealthy_when_stopping_begins_and_the_host_serves_on_for_the_drain_delay()
    {
        var time = new FakeTimeProvider();
        var drain = new ShutdownDrain(new ShutdownSettings { TimeoutSeconds = 30, DrainDelaySeconds = 5 }, time, NullLogger<ShutdownDrain>.Instance);
        var check = new DrainingReadyCheck(drain);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        var stopping = drain.StoppingAsync(CancellationToken.None);
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(stopping.IsCompleted, "the drain delay ended early");
        time.Advance(TimeSpan.FromSeconds(0.1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_drain_delay_gives_way_when_the_shutdown_timeout_runs_out()
    {
        var drain = new ShutdownDrain(new ShutdownSettings { TimeoutSeconds = 30, DrainDelaySeconds = 20 }, new FakeTimeProvider(), NullLogger<ShutdownDrain>.Instance);
        using var timeout = new CancellationTokenSource();
        var stopping = drain.StoppingAsync(timeout.Token);
        await timeout.CancelAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("0", "0", "Shutdown:TimeoutSeconds must be at least 1")]
    [InlineData("10", "10", "Shutdown:DrainDelaySeconds must be between 0 and Shutdown:TimeoutSeconds - 1")]
    [InlineData("10", "-1", "Shutdown:DrainDelaySeconds must be between 0 and Shutdown:TimeoutSeconds - 1")]
    public void Bad_shutdown_settings_are_refused_with_what_to_change(string timeout, string drain, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Shutdown:TimeoutSeconds"] = timeout,
            ["Shutdown:DrainDelaySeconds"] = drain,
        }).Build();
        var e = Assert.Throws<InvalidOperationException>(() => ShutdownSettings.From(configuration));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_shutdown_timeout_setting_becomes_the_hosts_shutdown_timeout()
    {
        var app = SiloApp.Build([], configure: b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Shutdown:TimeoutSeconds"] = "17",
            ["Admin:Port"] = "0",
        }));
        Assert.Equal(TimeSpan.FromSeconds(17), app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), new ShutdownSettings().Timeout);
    }

    [Fact]
    public async Task A_stopping_frontend_finishes_the_requests_in_flight_and_reports_unready()
    {
        await using var backend = await EchoBackend.StartAsync();
        var gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Shutdown:TimeoutSeconds"] = "20" });
        try
        {
            await gateway.ImportAsync($$"""
                groups:
                  - name: shop
                    basePath: /shop
                backends:
                  - name: orders
                    addresses: ["{{backend.Address}}"]
                apis:
                  - id: slow
                    group: shop
                    name: Slow call
                    methods: [GET]
                    path: /slow
                    backend: orders
                    backendPath: /slow/1500
                deployments:
                  - api: slow
                    stage: RELEASE
                """);
            using (var ready = await gateway.Gateway.GetAsync("/health/ready"))
            {
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            var inFlight = gateway.Gateway.GetAsync("/shop/slow");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (backend.Requests == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the request never reached the backend");
                await Task.Delay(10);
            }

            // The backend holds the request; the frontend is told to stop meanwhile.
            var stop = gateway.Host.App.StopAsync();
            var health = gateway.Host.App.Services.GetRequiredService<HealthCheckService>();
            var report = await health.CheckHealthAsync(c => c.Tags.Contains(ServiceDefaults.ReadyTag));
            Assert.Equal(HealthStatus.Unhealthy, report.Status);
            Assert.Equal(HealthStatus.Unhealthy, report.Entries["draining"].Status);

            using var response = await inFlight;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var echo = await response.Content.ReadFromJsonAsync<EchoResponse>();
            Assert.Equal("/slow/1500", echo!.Path);
            await stop.WaitAsync(TimeSpan.FromSeconds(20));

            // Stopped: new connections are refused.
            await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync(new Uri(gateway.GatewayAddress, "/health/live")));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }
}
