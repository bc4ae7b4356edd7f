namespace Gateway.Catalog;

/// <summary>An immutable, numbered snapshot of an API's draft, made by one publish.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.ApiVersion")]
public sealed record ApiVersion
{
    [Id(0)] public int Version { get; init; }
    [Id(1)] public string Stage { get; init; } = "";
    [Id(2)] public string Remark { get; init; } = "";
    [Id(3)] public DateTimeOffset PublishedAt { get; init; }
    [Id(4)] public ApiDefinition Definition { get; init; } = new();
}

/// <summary>What one stage of an API serves now: a version, or nothing when the API is offline there.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.StageStatus")]
public sealed record StageStatus
{
    [Id(0)] public string Stage { get; init; } = "";
    [Id(1)] public int Version { get; init; }
    [Id(2)] public DateTimeOffset Since { get; init; }
}

/// <summary>A draft API with the versions live in each stage, as the admin API shows it.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.ApiView")]
public sealed record ApiView
{
    [Id(0)] public ApiDefinition Draft { get; init; } = new();
    [Id(1)] public StageStatus[] Stages { get; init; } = [];
}
