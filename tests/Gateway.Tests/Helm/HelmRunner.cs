using System.Diagnostics;

namespace Gateway.Tests.Helm;

/// <summary>
/// Runs the helm binary that <c>.ci/install-deps.d/helm.sh</c> installs at <c>&lt;repo&gt;/.tools/helm</c>, against the
/// chart in <c>helm/gateway-orleans</c>. No cluster is needed: lint and template only.
/// </summary>
public static class HelmRunner
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ChartPath => Path.Combine(RepoRoot, "helm", "gateway-orleans");

    public static string HelmPath => Path.Combine(RepoRoot, ".tools", "helm");

    /// <summary>The release name every render uses; resource names start with "gw-gateway-orleans".</summary>
    public const string Release = "gw";

    public const string Namespace = "gateway";

    public static string Fullname => Release + "-gateway-orleans";

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public static Result Run(params string[] args)
    {
        if (!File.Exists(HelmPath))
        {
            throw new InvalidOperationException(
                $"helm is not installed at {HelmPath}: run 'bash .ci/install-deps.d/helm.sh' from the repository root first.");
        }

        var start = new ProcessStartInfo(HelmPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Helm keeps no state for lint/template, but give it private folders so that runs never share a cache.
        var home = Path.Combine(Path.GetTempPath(), "gateway-helm-tests");
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(home, "cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(home, "config");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(home, "data");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("helm " + string.Join(' ', args) + " did not finish within 60 s");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>helm template of the chart with values files (paths relative to the repository) and --set pairs.</summary>
    public static Result Template(IEnumerable<string>? valuesFiles = null, IEnumerable<string>? sets = null, IEnumerable<string>? apiVersions = null, IEnumerable<string>? setFiles = null)
    {
        var args = new List<string> { "template", Release, ChartPath, "--namespace", Namespace };
        foreach (var file in valuesFiles ?? [])
        {
            args.AddRange(["-f", Path.Combine(RepoRoot, file)]);
        }

        foreach (var set in sets ?? [])
        {
            args.AddRange(["--set", set]);
        }

        foreach (var setFile in setFiles ?? [])
        {
            args.AddRange(["--set-file", setFile]);
        }

        foreach (var apiVersion in apiVersions ?? [])
        {
            args.AddRange(["--api-versions", apiVersion]);
        }

        return Run([.. args]);
    }

    /// <summary>Renders and parses; fails the test with helm's message when the render fails.</summary>
    public static RenderedChart Render(IEnumerable<string>? valuesFiles = null, IEnumerable<string>? sets = null, IEnumerable<string>? apiVersions = null, IEnumerable<string>? setFiles = null)
    {
        var result = Template(valuesFiles, sets, apiVersions, setFiles);
        Assert.True(result.Succeeded, $"helm template failed: {result.Error}");
        return new RenderedChart(KubernetesManifests.Parse(result.Output));
    }

    /// <summary>The values files under helm/gateway-orleans/ci, relative to the repository.</summary>
    public static IEnumerable<string> CiValuesFiles() =>
        Directory.GetFiles(Path.Combine(ChartPath, "ci"), "*-values.yaml")
            .Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(RepoRoot, f));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Gateway.Orleans.sln not found above " + AppContext.BaseDirectory);
    }
}
