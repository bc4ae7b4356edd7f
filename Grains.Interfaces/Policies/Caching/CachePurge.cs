namespace Gateway.Policies.Caching;

/// <summary>
/// How many times an API's cached answers in one stage were purged. Frontends put the number in every cache key of the
/// API, so a purge makes every answer kept before it unreachable as soon as the snapshot carrying the new number arrives
/// (within 2 s, like any catalog change), whichever frontend kept them.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.policies.CachePurge")]
public sealed record CachePurge
{
    [Id(0)] public string Api { get; init; } = "";
    [Id(1)] public string Stage { get; init; } = "";
    [Id(2)] public long Generation { get; init; }

    public static string KeyOf(string api, string stage) => $"{api}/{stage}";
}
