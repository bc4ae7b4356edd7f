namespace Gateway.Throttling;

/// <summary>The persisted state of a quota counter: the current window and what has been granted in it.</summary>
[GenerateSerializer, Alias("gw.throttling.QuotaGrainState")]
public sealed class QuotaGrainState
{
    [Id(0)] public DateTimeOffset WindowStart { get; set; }
    [Id(1)] public DateTimeOffset WindowEnd { get; set; }

    /// <summary>Goes up with every new window and every reset, never down, so that an old grant cannot be mistaken for a new one.</summary>
    [Id(2)] public long Epoch { get; set; }

    /// <summary>Budget granted in the window, to all frontends together. Never more than the limit was when granted.</summary>
    [Id(3)] public long Granted { get; set; }
    [Id(4)] public Dictionary<string, FrontendShare> Frontends { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How many frontends took budget in the window before: they are likely to come back.</summary>
    [Id(5)] public int PreviousFrontends { get; set; }

    /// <summary>The limit of the last call, for the live view.</summary>
    [Id(6)] public long Limit { get; set; }

    /// <summary>The window is fixed by its owner (a package's validity), not aligned to the clock: it never rolls over.</summary>
    [Id(7)] public bool Fixed { get; set; }

    /// <summary>A package's highest threshold (80, 100 percent of its calls) whose event is in the metering outbox.</summary>
    [Id(8)] public int Announced { get; set; }
}

/// <summary>What one frontend was granted in the window and has reported using.</summary>
[GenerateSerializer, Alias("gw.throttling.FrontendShare")]
public sealed class FrontendShare
{
    [Id(0)] public long Granted { get; set; }
    [Id(1)] public long Used { get; set; }

    /// <summary>What the frontend's latest requests were granted, by their sequence: taken back if it abandons one.</summary>
    [Id(2)] public Dictionary<long, long> RecentGrants { get; set; } = [];

    /// <summary>The highest request sequence answered.</summary>
    [Id(3)] public long LastSequence { get; set; }

    /// <summary>Requests the frontend abandoned before they got here (answers and messages can overtake): granted nothing.</summary>
    [Id(4)] public HashSet<long> AbandonedAhead { get; set; } = [];
}
