namespace Gateway.Tests.Containers;

/// <summary>
/// A multi-stage Dockerfile read as stages: each "FROM base AS name" with its lines, so that a test can look at one
/// target and the stages it is built on.
/// </summary>
internal sealed class DockerfileStages
{
    private readonly Dictionary<string, (string From, List<string> Lines)> stages = new(StringComparer.Ordinal);

    public static DockerfileStages Read(string path)
    {
        var result = new DockerfileStages();
        List<string>? current = null;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(words is [_, _, "AS", _], $"every stage is named (FROM base AS name): {line}");
                current = [];
                result.stages.Add(words[3], (words[1], current));
            }
            else
            {
                current?.Add(line);
            }
        }

        return result;
    }

    /// <summary>The lines of the stage, without its FROM line.</summary>
    public IReadOnlyList<string> Lines(string stage)
    {
        Assert.True(stages.TryGetValue(stage, out var found), $"the Dockerfile has no stage '{stage}'");
        return found.Lines;
    }

    /// <summary>The stage and the stages it is built on, the stage first (an image of the registry ends it).</summary>
    public IEnumerable<string> Chain(string stage)
    {
        for (var name = stage; stages.TryGetValue(name, out var found); name = found.From)
        {
            yield return name;
        }
    }
}
