using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ClusterBench;

// Cluster figures against a running cluster (bench/cluster.sh starts it): throttling accuracy per window and
// alert latency. The tool is the clients, the backend and the mail server.
//   ClusterBench --admin URL --token TOKEN --frontends URL,URL --smtp-port PORT --out FILE
//                [--alerts N] [--minute-windows N] [--setup TEXT] [--commit TEXT] [--frontend-pids PID,PID]
var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: ClusterBench --admin URL --token TOKEN --frontends URL,URL --smtp-port PORT --out FILE [--alerts N] [--minute-windows N] [--setup TEXT] [--commit TEXT]");
    return 2;
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
void Say(string line) => Console.Error.WriteLine($"cluster-bench {DateTime.UtcNow:HH:mm:ss.fff}: {line}");

// Second windows: many windows in a few seconds; the clients' round trip (tens of ms on a busy machine) blurs the
// boundaries a little, which the report shows. Minute windows: steady load at a low rate beside everything else;
// budget runs out seconds before the window ends, so nothing straddles: the clean measure of under-admission.
AccuracyScenario[] scenarios =
[
    new("small", "small limit, per-request mode, 5x overload", 20, "Second", 100, 8, 0.5, 5),
    new("lease", "large limit, lease mode, 2x overload", 1000, "Second", 2000, 64, 0.5, 5),
    .. options.MinuteWindows > 0
        ? new AccuracyScenario[]
        {
            new("steady", "large limit per minute, lease mode, steady 1.2x load", 2000, "Minute", 40, 8, 0.5, options.MinuteWindows),
            new("uneven", "large limit per minute, lease mode, steady 1.05x load split 80/20", 2000, "Minute", 35, 8, 0.8, options.MinuteWindows),
        }
        : [],
];

await using var backend = await BenchBackend.StartAsync();
await using var mail = MailSink.Start(options.SmtpPort);
using var admin = new HttpClient { BaseAddress = options.Admin, Timeout = TimeSpan.FromSeconds(30) };
admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
var clients = options.Frontends.Select(f => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 128, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
{
    BaseAddress = f,
    Timeout = TimeSpan.FromSeconds(10),
}).ToArray();
var driver = new LoadDriver(clients);

Say($"backend {backend.Address}, SMTP 127.0.0.1:{options.SmtpPort}; importing the catalog");
using (var import = await admin.PostAsync("/v1/catalog/import", new StringContent(Catalog.Build(backend.Address, scenarios, options.Alerts), Encoding.UTF8, "application/yaml")))
{
    if (!import.IsSuccessStatusCode)
    {
        Console.Error.WriteLine($"catalog import refused: {(int)import.StatusCode} {await import.Content.ReadAsStringAsync()}");
        return 1;
    }
}

// Both frontends route and throttle before anything is measured: an unthrottled /ping answers, and the warm-up
// APIs (lease and per-request policies of their own) are refused with 429 somewhere.
for (var f = 0; f < clients.Length; f++)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while ((await driver.CallAsync(f, "/ping")).Status != 200)
    {
        if (DateTime.UtcNow > deadline)
        {
            Console.Error.WriteLine($"frontend {options.Frontends[f]} never routed /ping");
            return 1;
        }

        await Task.Delay(200);
    }
}

Say("warming up (JIT, connections, quota grains) for 4 s");
var warmEnd = DateTime.UtcNow.AddSeconds(4);
var warm = await Task.WhenAll(
    driver.RunAsync("/t/warm-lease", 1500, 64, DateTime.UtcNow, warmEnd),
    driver.RunAsync("/t/warm-request", 100, 8, DateTime.UtcNow, warmEnd));
if (warm.Any(calls => !calls.Any(c => c.Status == 200)) || Enumerable.Range(0, clients.Length).Any(f => !warm[1].Any(c => c.Frontend == f && c.Status == 429)))
{
    Console.Error.WriteLine("warm-up: throttling is not in force on both frontends (no 429 from one, or no 200): " +
        string.Join("; ", warm.Select(calls => string.Join(",", calls.GroupBy(c => c.Status).Select(g => $"{g.Key}x{g.Count()}")))));
    return 1;
}

async Task<string?> ModeOf(string api)
{
    try
    {
        var state = await admin.GetFromJsonAsync<JsonElement>($"/v1/quotas/{api}/RELEASE/api");
        return state.TryGetProperty("mode", out var mode) ? mode.GetString() : null;
    }
    catch (HttpRequestException)
    {
        return null;
    }
}

void Summary(AccuracyResult result) =>
    Say($"  {result.Scenario.Name}: admitted per window {string.Join(", ", result.Windows.Select(w => w.Admitted))} (limit {result.Scenario.Limit}); " +
        $"over-admission {result.TotalOver}; under-admission worst {result.WorstUnderPercent?.ToString("0.00") ?? "-"}% in {result.SaturatedWindows} saturated windows");

var background = scenarios.Where(s => s.Unit == "Minute").Select(scenario =>
{
    Say($"throttling, in the background: {scenario.Title}: {scenario.Limit} per {scenario.Unit}, {scenario.RateText}, {scenario.Windows} whole minutes");
    return Accuracy.RunAsync(scenario, driver, backend, ModeOf, GrainOf);
}).ToList();

async Task<GrainView?> GrainOf(string api)
{
    try
    {
        var state = await admin.GetFromJsonAsync<JsonElement>($"/v1/quotas/{api}/RELEASE/api");
        // A frontend's id in the lease table is "<host>-<process id>-<random>": the process ids say which is which.
        long[]? byFrontend = null;
        if (options.FrontendPids.Length == clients.Length)
        {
            byFrontend = new long[clients.Length];
            foreach (var lease in state.GetProperty("leases").EnumerateArray())
            {
                var index = Array.FindIndex(options.FrontendPids, pid => lease.GetProperty("frontend").GetString()!.Contains($"-{pid}-", StringComparison.Ordinal));
                if (index >= 0)
                {
                    byFrontend[index] += lease.GetProperty("granted").GetInt64();
                }
            }
        }

        return new GrainView(state.GetProperty("windowStart").GetDateTimeOffset().UtcDateTime, state.GetProperty("granted").GetInt64(),
            state.GetProperty("used").GetInt64(), state.GetProperty("remaining").GetInt64(), state.GetProperty("mode").GetString() ?? "", byFrontend);
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or KeyNotFoundException or JsonException)
    {
        return null;
    }
}

var accuracy = new List<AccuracyResult>();
foreach (var scenario in scenarios.Where(s => s.Unit != "Minute"))
{
    Say($"throttling: {scenario.Title}: {scenario.Limit} per {scenario.Unit}, {scenario.RateText}, {scenario.Windows} windows");
    var result = await Accuracy.RunAsync(scenario, driver, backend, ModeOf, GrainOf);
    accuracy.Add(result);
    Summary(result);
}

Say($"alert latency: {options.Alerts} alerts");
var alerts = await AlertLatency.RunAsync(options.Alerts, driver, backend, mail, TimeSpan.FromSeconds(60), line => Say("  " + line));

if (background.Count > 0)
{
    Say("waiting for the minute scenarios to finish their last window");
    foreach (var result in await Task.WhenAll(background))
    {
        accuracy.Add(result);
        Summary(result);
    }
}

var report = Report.Write(options, accuracy, alerts);
var directory = Path.GetDirectoryName(Path.GetFullPath(options.Out));
Directory.CreateDirectory(directory!);
await File.WriteAllTextAsync(options.Out, report);
Console.WriteLine(report);
foreach (var client in clients)
{
    client.Dispose();
}

// Over-admission is a bug, not noise: make it fail the run.
return accuracy.Any(r => r.TotalOver > 0) ? 3 : 0;

internal sealed record Options(Uri Admin, string Token, Uri[] Frontends, int SmtpPort, string Out, int Alerts, int MinuteWindows, string Setup, string Commit, int[] FrontendPids)
{
    public static Options? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }

            values[args[i][2..]] = args[i + 1];
        }

        if (!values.TryGetValue("admin", out var admin) || !values.TryGetValue("token", out var token) || !values.TryGetValue("frontends", out var frontends)
            || !values.TryGetValue("smtp-port", out var smtp) || !int.TryParse(smtp, out var smtpPort) || !values.TryGetValue("out", out var output))
        {
            return null;
        }

        var urls = frontends.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToArray();
        if (urls.Length != 2)
        {
            return null;
        }

        return new Options(new Uri(admin), token, urls, smtpPort, output,
            values.TryGetValue("alerts", out var a) && int.TryParse(a, out var alerts) ? Math.Max(1, alerts) : 12,
            values.TryGetValue("minute-windows", out var m) && int.TryParse(m, out var minutes) ? Math.Max(0, minutes) : 2,
            values.GetValueOrDefault("setup", ""), values.GetValueOrDefault("commit", "unknown"),
            [.. values.GetValueOrDefault("frontend-pids", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)]);
    }
}
