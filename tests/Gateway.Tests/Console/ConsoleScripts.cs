using System.Diagnostics;
using System.Text;

namespace Gateway.Tests.Console;

/// <summary>
/// Runs the console's own test programs (console/: Vitest, and the Playwright scenarios in e2e/) with Node.js, as
/// xunit tests so that CI counts them. They need what .ci/install-deps.d/console.sh installs.
/// </summary>
public static class ConsoleScripts
{
    /// <summary>The repository's console/ folder, found above the test's output folder.</summary>
    public static string Folder { get; } = Find();

    /// <summary>Screenshots are test artifacts: under the test project's TestResults folder unless CONSOLE_SCREENSHOTS says where.</summary>
    public static string Screenshots { get; } = Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOTS")
        ?? Path.Combine(Folder, "..", "tests", "Gateway.Tests", "TestResults", "console-screenshots");

    public static async Task<(int ExitCode, string Output)> RunAsync(string script, IDictionary<string, string> environment, TimeSpan within)
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules", "playwright-core")))
        {
            throw new InvalidOperationException($"the console's packages are not installed in {Folder}: run .ci/install-deps.d/console.sh");
        }

        var start = new ProcessStartInfo("node", script)
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
            {
                return (-1, output + $"\n(killed: still running after {within})");
            }
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "console");
            if (File.Exists(Path.Combine(candidate, "package.json")) && File.Exists(Path.Combine(candidate, "e2e", "console.e2e.mjs")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("console/package.json not found above " + AppContext.BaseDirectory);
    }
}
