using System.Globalization;

namespace ClusterBench;

/// <summary>
/// Clients of the frontends. Calls are paced on a shared schedule (call n is due at start + n / rate) and
/// spread over the frontends by weight; a fixed number of workers send them, so a rate the cluster cannot
/// keep up with turns into a closed loop of that many concurrent callers (the achieved rate is reported,
/// never assumed). Every call carries an id and its send time, which the backend records.
/// </summary>
internal sealed class LoadDriver(HttpClient[] frontends)
{
    private long _nextId;

    public HttpClient[] Frontends { get; } = frontends;

    /// <param name="rate">calls per second in total; <see cref="double.PositiveInfinity"/> for a closed loop.</param>
    /// <param name="shareOfFirst">the share of calls sent to the first frontend (the rest to the second).</param>
    public async Task<CallResult[]> RunAsync(string path, double rate, int workers, DateTime start, DateTime end, double shareOfFirst = 0.5, CancellationToken stop = default)
    {
        var results = new List<CallResult>[workers];
        long next = -1;
        var startTicks = start.Ticks;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            var mine = results[worker] = [];
            await Task.Yield();
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                var due = double.IsPositiveInfinity(rate) ? start : new DateTime(startTicks + (long)(n * TimeSpan.TicksPerSecond / rate), DateTimeKind.Utc);
                if (due >= end)
                {
                    return;
                }

                var wait = due - DateTime.UtcNow;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, CancellationToken.None);
                }

                if (DateTime.UtcNow >= end)
                {
                    return;
                }

                // Frontend 0 takes call n when the running share crosses a whole number: 0.5 alternates, 0.8 sends 4 of 5.
                var frontend = Math.Floor((n + 1) * shareOfFirst) > Math.Floor(n * shareOfFirst) ? 0 : 1;
                mine.Add(await CallAsync(frontend, path));
            }
        }));
        return [.. results.SelectMany(r => r)];
    }

    public async Task<CallResult> CallAsync(int frontend, string path)
    {
        var id = Interlocked.Increment(ref _nextId);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(BenchBackend.IdHeader, id.ToString(CultureInfo.InvariantCulture));
        var sent = DateTime.UtcNow.Ticks;
        request.Headers.Add(BenchBackend.SentHeader, sent.ToString(CultureInfo.InvariantCulture));
        int status;
        string? code = null;
        try
        {
            using var response = await Frontends[frontend].SendAsync(request);
            status = (int)response.StatusCode;
            if (response.Headers.TryGetValues("X-Ca-Error-Code", out var codes))
            {
                code = codes.FirstOrDefault();
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            status = 0;
            code = e.GetType().Name;
        }

        return new CallResult(id, frontend, sent, DateTime.UtcNow.Ticks, status, code);
    }
}

/// <summary>One call as the client saw it; <see cref="Status"/> 0 = no answer (connection error or timeout); <see cref="Code"/>: X-Ca-Error-Code.</summary>
internal readonly record struct CallResult(long Id, int Frontend, long SentTicks, long DoneTicks, int Status, string? Code);
