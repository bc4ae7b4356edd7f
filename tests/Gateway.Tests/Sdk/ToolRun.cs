using System.Diagnostics;
using System.Text;

namespace Gateway.Tests.Sdk;

/// <summary>Runs a compiler or a generated program to its end and returns what it printed.</summary>
public static class ToolRun
{
    /// <summary>tests/Gateway.Tests/Sdk in the source tree: the runners, the golden files and the npm tools.</summary>
    public static string SdkTestsFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Gateway.Tests", "Sdk");
                if (File.Exists(Path.Combine(candidate, "tools", "package.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("tests/Gateway.Tests/Sdk/tools/package.json not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The npm tools of the SDK tests (validator, TypeScript compiler), installed by .ci/install-deps.d/sdk.sh.</summary>
    public static string ToolsFolder
    {
        get
        {
            var tools = Path.Combine(SdkTestsFolder, "tools");
            return Directory.Exists(Path.Combine(tools, "node_modules", "typescript")) && Directory.Exists(Path.Combine(tools, "node_modules", "@apidevtools", "swagger-parser"))
                ? tools
                : throw new InvalidOperationException($"the SDK test tools are not installed in {tools}: run .ci/install-deps.d/sdk.sh (npm ci there)");
        }
    }

    /// <summary>Runs the program; fails the test with its output when it exits with anything but 0.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A build started from inside a test run must not inherit the test host's MSBuild settings.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish:\n{output}");
        }

        process.WaitForExit();
        var text = output.ToString();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{text}");
        return text;
    }
}
