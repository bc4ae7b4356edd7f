namespace ClusterBench;

/// <summary>
/// Alert latency: each sample is an API of its own, with a rule of its own, called at a steady rate through
/// both frontends. After a healthy spell its backend starts answering 500; the sample is the time from the
/// backend's first 500 to the SMTP server's acceptance of the alert email.
/// </summary>
internal static class AlertLatency
{
    public const int Threshold = 5;
    public const double CallsPerSecond = 20;

    public static string Recipient(int sample) => $"ops-{sample}@bench.example";

    public static async Task<AlertSample[]> RunAsync(int samples, LoadDriver driver, BenchBackend backend, MailSink mail, TimeSpan giveUpAfter, Action<string> progress)
    {
        var results = new List<AlertSample>();
        for (var i = 0; i < samples; i++)
        {
            var name = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var stop = new CancellationTokenSource();
            var traffic = driver.RunAsync("/a/" + name, CallsPerSecond, 4, DateTime.UtcNow, DateTime.UtcNow + giveUpAfter + TimeSpan.FromSeconds(5), 0.5, stop.Token);

            // Healthy for 1 to 2 s, so that failures start at any point of the frontends' once-a-second telemetry.
            await Task.Delay(TimeSpan.FromMilliseconds(1000 + Random.Shared.Next(0, 1000)));
            var failures = backend.StartFailing(name);
            var deadline = DateTime.UtcNow + giveUpAfter;
            DateTime? accepted;
            while ((accepted = mail.AcceptedFor(Recipient(i))) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            await stop.CancelAsync();
            var calls = await traffic;
            var firstFailure = failures.Nth(1);
            var thresholdFailure = failures.Nth(Threshold);
            var sample = new AlertSample(i, firstFailure, thresholdFailure, accepted, calls.Count(c => c.Status == 500));
            results.Add(sample);
            progress(sample.ToString());
        }

        return [.. results];
    }
}

internal sealed record AlertSample(int Index, DateTime? FirstFailure, DateTime? ThresholdFailure, DateTime? Accepted, int Failures)
{
    /// <summary>First failing request answered by the backend → email accepted by the SMTP server.</summary>
    public double? Seconds => FirstFailure is { } f && Accepted is { } a ? (a - f).TotalSeconds : null;

    /// <summary>The failure that reached the rule's threshold → email accepted: the gateway's own part.</summary>
    public double? SecondsFromThreshold => ThresholdFailure is { } t && Accepted is { } a ? (a - t).TotalSeconds : null;

    public override string ToString() =>
        $"alert {Index}: " + (Seconds is { } s ? $"{s:0.000} s from the first 500, {SecondsFromThreshold:0.000} s from the {AlertLatency.Threshold}th" : $"no email (first 500 at {FirstFailure:HH:mm:ss.fff})");
}
