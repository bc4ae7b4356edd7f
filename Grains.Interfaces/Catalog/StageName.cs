namespace Gateway.Catalog;

/// <summary>The stages an API is published to. Clients pick one with the <c>X-Ca-Stage</c> header.</summary>
public static class StageName
{
    public const string Release = "RELEASE";
    public const string Pre = "PRE";
    public const string Test = "TEST";

    /// <summary>The stage a request goes to when it names none.</summary>
    public const string Default = Release;

    public static IReadOnlyList<string> All { get; } = [Release, Pre, Test];

    /// <summary>Maps a stage name in any letter case to its canonical form; false for an unknown stage.</summary>
    public static bool TryNormalize(string? value, out string stage)
    {
        foreach (var known in All)
        {
            if (string.Equals(known, value, StringComparison.OrdinalIgnoreCase))
            {
                stage = known;
                return true;
            }
        }

        stage = "";
        return false;
    }
}
