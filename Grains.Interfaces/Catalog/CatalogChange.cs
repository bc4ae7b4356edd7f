namespace Gateway.Catalog;

/// <summary>What a catalog change does to one item.</summary>
public enum CatalogChangeKind
{
    Created = 0,
    Changed = 1,
    Deleted = 2,

    /// <summary>A version went live in a stage (a publish, an import or a rollback).</summary>
    Published = 3,

    /// <summary>A stage stopped serving the API.</summary>
    TakenOffline = 4,
}

/// <summary>
/// One item a catalog change creates, changes, deletes, publishes or takes offline. It names fields, never
/// their values, so that it can be shown, logged and audited without ever carrying a secret.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.CatalogChange")]
public sealed record CatalogChange
{
    /// <summary>The collection, as named in a catalog document: 'apis', 'backends', 'deployments', 'appKeys', ...</summary>
    [Id(0)] public string Collection { get; init; } = "";

    /// <summary>The item's name or id (for deployments: the API's id).</summary>
    [Id(1)] public string Item { get; init; } = "";

    [Id(2)] public CatalogChangeKind Change { get; init; }

    /// <summary>With <see cref="CatalogChangeKind.Changed"/>: the top-level fields whose values differ.</summary>
    [Id(3)] public string[] Fields { get; init; } = [];

    /// <summary>With deployments: the stage.</summary>
    [Id(4)] public string? Stage { get; init; }

    /// <summary>With <see cref="CatalogChangeKind.Published"/>: the version now live.</summary>
    [Id(5)] public int? Version { get; init; }

    /// <summary>A short line for logs, such as 'apis/get-order Changed (backendPath)'.</summary>
    public override string ToString() => Change switch
    {
        CatalogChangeKind.Changed => $"{Collection}/{Item} Changed ({string.Join(", ", Fields)})",
        CatalogChangeKind.Published => $"{Collection}/{Item} {Stage} Published v{Version}",
        CatalogChangeKind.TakenOffline => $"{Collection}/{Item} {Stage} TakenOffline",
        _ => $"{Collection}/{Item} {Change}",
    };
}
