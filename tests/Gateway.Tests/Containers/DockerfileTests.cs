using System.Diagnostics;
using System.Xml.Linq;
using Gateway.Tests.Helm;

namespace Gateway.Tests.Containers;

/// <summary>
/// The Dockerfile, without a Docker engine: each target's structure (non-root, HEALTHCHECK, the entry point is the
/// project's assembly, every file the build stage copies exists), and scripts/check-publish.sh, which publishes as
/// the targets do and starts the result with their own HEALTHCHECK.
/// </summary>
public sealed class DockerfileTests
{
    /// <summary>Each image's target and the project it publishes.</summary>
    public static TheoryData<string, string> Targets() => new() { { "silo", "Silo" }, { "frontend", "Frontend" } };

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_image_runs_the_projects_assembly_as_a_non_root_user_with_a_health_check(string target, string project)
    {
        var stages = DockerfileStages.Read(Path.Combine(HelmRunner.RepoRoot, "Dockerfile"));
        var assembly = XDocument.Load(Path.Combine(HelmRunner.RepoRoot, project, project + ".csproj"))
            .Descendants("AssemblyName").Single().Value;

        var final = stages.Lines(target);
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"/app/{assembly}.dll\"]", final);
        Assert.Contains($"COPY --from=publish-{target} --chown=root:root /app/ /app/", final);
        Assert.Contains(final, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.Contains(final, l => l.Contains("/health/live", StringComparison.Ordinal));

        // The user is set by the target or a stage it is built on; the last one set is the one the image runs as.
        var user = stages.Chain(target).Reverse().SelectMany(stages.Lines).Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.True(int.TryParse(user[5..], out var uid) && uid > 0, $"USER must be a numeric non-root id: {user}");

        // Publish goes to /app, the folder the target copies, and starts from the build stage's sources.
        Assert.Equal(new[] { "build", $"publish-{target}" }, stages.Chain($"publish-{target}").Reverse().Take(2));
        Assert.Contains(stages.Lines($"publish-{target}"),
            l => l.StartsWith($"RUN dotnet publish {project}/{project}.csproj -c Release -o /app ", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_path_the_build_stage_copies_exists_and_covers_both_projects_references()
    {
        var stages = DockerfileStages.Read(Path.Combine(HelmRunner.RepoRoot, "Dockerfile"));
        var copied = stages.Lines("build")
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            .ToList();
        foreach (var path in copied)
        {
            Assert.True(File.Exists(Path.Combine(HelmRunner.RepoRoot, path)) || Directory.Exists(Path.Combine(HelmRunner.RepoRoot, path)),
                $"the build stage copies {path}, which does not exist");
        }

        // Every project an image's project references (transitively) is copied, or the restore would fail.
        foreach (var project in new[] { "Silo", "Frontend" })
        {
            foreach (var reference in ProjectClosure(Path.Combine(HelmRunner.RepoRoot, project, project + ".csproj")))
            {
                var folder = Path.GetRelativePath(HelmRunner.RepoRoot, Path.GetDirectoryName(reference)!) + "/";
                Assert.Contains(folder, copied);
            }
        }
    }

    [Fact]
    public async Task Publishing_as_the_targets_do_yields_what_they_copy_and_start()
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = HelmRunner.RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(HelmRunner.RepoRoot, "scripts", "check-publish.sh"));
        using var process = Process.Start(start)!;
        var reading = process.StandardOutput.ReadToEndAsync();
        var readingErrors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("scripts/check-publish.sh did not finish within 12 minutes");
        }

        var output = await reading;
        Assert.True(process.ExitCode == 0, output + await readingErrors);
        Assert.Contains("HEALTHCHECK passes against the published Gateway.Silo", output);
        Assert.Contains("HEALTHCHECK passes against the published Gateway.Frontend", output);
        Assert.Contains("check-publish: OK (silo frontend)", output);
    }

    private static IEnumerable<string> ProjectClosure(string csproj)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<string>([Path.GetFullPath(csproj)]);
        while (queue.TryDequeue(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            foreach (var include in XDocument.Load(current).Descendants("ProjectReference").Select(r => r.Attribute("Include")!.Value))
            {
                queue.Enqueue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, include.Replace('\\', '/'))));
            }
        }

        return seen;
    }
}
