using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Catalog;
using Gateway.Frontend.Monitoring;
using Gateway.Monitoring;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Monitoring;

/// <summary>
/// p95 and p99 of the usage windows against known distributions of latencies: recorded as a frontend records its
/// calls (<see cref="UsageCounter"/>), summed over seconds and frontends by the window grain, and answered by the
/// admin API's monitoring route. A percentile is the upper bound of the histogram bucket that holds it.
/// </summary>
public sealed class LatencyPercentileTests(AlertClusterFixture fixture) : IClassFixture<AlertClusterFixture>
{
    /// <summary>1,000 calls: 900 of 0.5–4.5 ms, 60 of 30–45 ms, 30 of 150–240 ms, 10 of 1.5–2.4 s.</summary>
    private static readonly double[] Mostly5ms = [.. Spread(900, 0.5, 4.5), .. Spread(60, 30, 45), .. Spread(30, 150, 240), .. Spread(10, 1500, 2400)];

    [Fact]
    public void The_percentile_is_the_bound_of_the_bucket_that_holds_the_exact_one()
    {
        var counts = Histogram(Mostly5ms);
        Assert.Equal(5, LatencyBuckets.Quantile(counts, 0.50));
        Assert.Equal(50, LatencyBuckets.Quantile(counts, 0.95));
        Assert.Equal(250, LatencyBuckets.Quantile(counts, 0.99));

        // Against the exact percentiles of the same samples: each lies in the bucket whose bound is reported.
        foreach (var q in new[] { 0.5, 0.9, 0.95, 0.99, 0.999 })
        {
            var exact = Exact(Mostly5ms, q);
            var reported = LatencyBuckets.Quantile(counts, q);
            var index = LatencyBuckets.IndexOf(exact);
            Assert.Equal(LatencyBuckets.BoundsMs[index], reported);
            Assert.True(exact <= reported && (index == 0 || exact > LatencyBuckets.BoundsMs[index - 1]), $"q={q}: exact {exact} ms, reported {reported} ms");
        }

        // Slower than the last bound: reported as twice it, never as a number that looks measured.
        var slow = new long[LatencyBuckets.Count];
        slow[^1] = 1;
        Assert.Equal(120000, LatencyBuckets.Quantile(slow, 0.95));
        Assert.Equal(0, LatencyBuckets.Quantile(new long[LatencyBuckets.Count], 0.95));
    }

    [Fact]
    public async Task A_window_gives_p95_and_p99_of_all_its_seconds_and_frontends_together_and_per_point()
    {
        var api = "p95-" + Guid.NewGuid().ToString("N")[..8];
        var window = fixture.Cluster.Client.GetGrain<IUsageWindowGrain>(GrainKeys.ApiWindow(api, StageName.Release));
        var first = fixture.Time.GetUtcNow().ToUnixTimeSeconds();

        // Second 1: one frontend saw the fast 940 calls, another the 60 slow ones (100–250 ms): p95 falls on the slow.
        double[] fast = [.. Spread(940, 0.5, 4.5)], slow = [.. Spread(60, 110, 240)];
        await window.Record(first, Batch(api, first, fast));
        await window.Record(first, Batch(api, first, slow));

        // Second 2: the 1,000 calls of Mostly5ms.
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        await window.Record(first + 1, Batch(api, first + 1, Mostly5ms));

        // Record is one-way telemetry: wait until the grain has taken every batch.
        var series = await Eventually.Value(() => window.GetSeries(1), s => s.Totals.Requests >= 2000);

        Assert.Equal(2000, series.Totals.Requests);
        Assert.Equal(new[] { 250.0, 50.0 }, series.Points.Select(p => p.P95LatencyMs));
        Assert.Equal(new[] { 250.0, 250.0 }, series.Points.Select(p => p.P99LatencyMs));

        // The totals are the percentiles of the 2,000 calls together, from the summed histograms, not the worst second.
        double[] all = [.. fast, .. slow, .. Mostly5ms];
        Assert.Equal(LatencyBuckets.BoundsMs[LatencyBuckets.IndexOf(Exact(all, 0.95))], series.Totals.P95LatencyMs);
        Assert.Equal(50, series.Totals.P95LatencyMs);
        Assert.Equal(250, series.Totals.P99LatencyMs);
    }

    [Fact]
    public async Task The_admin_api_answers_p95_of_what_the_frontend_sent_in_its_batches()
    {
        await using var gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Admin:Token"] = "latency-admin-token-0123456789" });
        gateway.Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "latency-admin-token-0123456789");
        var api = "p95-" + Guid.NewGuid().ToString("N")[..8];

        // As the pipeline records its calls: the frontend's reporter sends them to the silo once a second.
        var counter = gateway.Host.App.Services.GetRequiredService<UsageCounter>();
        var second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var ms in Mostly5ms)
        {
            counter.Record(new UsageSample(second, api, "shop", StageName.Test, null, 200, null, false, false, 10, 20, ms));
        }

        JsonElement totals = default;
        for (var i = 0; i < 300; i++)
        {
            using var answer = await gateway.Admin.GetAsync($"/v1/monitoring/apis/{api}?stage=TEST&minutes=5");
            answer.EnsureSuccessStatusCode();
            totals = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("totals").Clone();
            if (totals.GetProperty("requests").GetInt64() == Mostly5ms.Length)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal(Mostly5ms.Length, totals.GetProperty("requests").GetInt64());
        Assert.Equal(50, totals.GetProperty("p95LatencyMs").GetDouble());
        Assert.Equal(250, totals.GetProperty("p99LatencyMs").GetDouble());
    }

    /// <summary><paramref name="count"/> latencies evenly from <paramref name="from"/> to <paramref name="to"/> ms.</summary>
    private static IEnumerable<double> Spread(int count, double from, double to) =>
        Enumerable.Range(0, count).Select(i => count == 1 ? from : from + ((to - from) * i / (count - 1)));

    private static long[] Histogram(IEnumerable<double> latencies)
    {
        var counts = new long[LatencyBuckets.Count];
        foreach (var ms in latencies)
        {
            counts[LatencyBuckets.IndexOf(ms)]++;
        }

        return counts;
    }

    /// <summary>The nearest-rank percentile of the samples themselves.</summary>
    private static double Exact(IEnumerable<double> latencies, double q)
    {
        var sorted = latencies.Order().ToArray();
        return sorted[(int)Math.Ceiling(sorted.Length * q) - 1];
    }

    /// <summary>What one frontend's counter sends for one second of these calls.</summary>
    private static UsageCounters[] Batch(string api, long second, IEnumerable<double> latencies)
    {
        var counter = new UsageCounter();
        foreach (var ms in latencies)
        {
            counter.Record(new UsageSample(second, api, "shop", StageName.Release, null, 200, null, false, false, 0, 0, ms));
        }

        return [.. counter.Drain(second + 1, "test").Single().Counters];
    }
}
