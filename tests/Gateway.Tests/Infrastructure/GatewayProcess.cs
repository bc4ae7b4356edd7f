using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A Silo or Frontend started as its own process (`dotnet Gateway.Silo.dll`), configured by environment
/// variables as an operator would, and killed with SIGKILL when asked to simulate a crash.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private GatewayProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <param name="assembly">'Gateway.Silo' or 'Gateway.Frontend'; both are built next to the tests.</param>
    public static GatewayProcess Start(string name, string assembly, IDictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Gateway"] = "Information";
        // Every frontend listener gets a free port unless the test chooses one: two frontends on one machine
        // must not both try the defaults. Silos ignore these settings.
        foreach (var listener in new[] { "Frontend__HttpPort", "Frontend__Http2Port", "Frontend__HttpsPort" })
        {
            start.Environment[listener] = FreePorts.Next().ToString();
        }

        // Cluster mode needs a key ring on every silo and frontend: the same test key for all, unless a test gives its own.
        start.Environment["Secrets__ActiveKey"] = TestSecretKeys.Id;
        start.Environment["Secrets__Keys__" + TestSecretKeys.Id] = TestSecretKeys.Key;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new GatewayProcess(name, Process.Start(start)!);
    }

    /// <summary>
    /// How long a silo or frontend process may take to become ready: a few seconds on an idle machine, a minute and
    /// more when CI shares two cores with other work. Readiness is waited for, so a long bound costs nothing when
    /// things go well.
    /// </summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Waits until GET <paramref name="url"/> answers 200, failing with the process output otherwise.</summary>
    public async Task WaitUntilReadyAsync(string url, TimeSpan within)
    {
        // A loaded machine can take seconds to answer a probe: a short timeout would only cancel answers on their way.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            Assert.False(_process.HasExited, $"{Name} exited with {(_process.HasExited ? _process.ExitCode : 0)}:\n{Output}");
            try
            {
                using var response = await client.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            Assert.True(DateTime.UtcNow < deadline, $"{Name} not ready at {url} within {within}:\n{Output}");
            await Task.Delay(200);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Simulates a crash: SIGKILL, no graceful shutdown.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
