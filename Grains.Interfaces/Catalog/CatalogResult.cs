namespace Gateway.Catalog;

/// <summary>One problem found in a catalog change; <see cref="Path"/> says where, such as 'apis[get-order].backend'.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.CatalogError")]
public sealed record CatalogError(
    [property: Id(0)] string Path,
    [property: Id(1)] string Code,
    [property: Id(2)] string Message);

/// <summary>Why a catalog change was refused.</summary>
public enum CatalogFailure
{
    None = 0,

    /// <summary>The change would leave the catalog invalid; every problem is listed.</summary>
    Invalid = 1,

    /// <summary>The thing to change does not exist.</summary>
    NotFound = 2,

    /// <summary>The change would touch a collection the caller may not change; the changes it would make there are listed.</summary>
    Forbidden = 3,

    /// <summary>The change conflicts with what the catalog keeps as history (a grant id used before); it cannot be made as it is.</summary>
    Conflict = 4,

    /// <summary>A part of the cluster the change needs could not answer (the use of a grant to delete); retry shortly.</summary>
    Unavailable = 5,
}

/// <summary>
/// The answer to a catalog change. A refused change has left the catalog exactly as it was.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.CatalogResult")]
public sealed record CatalogResult
{
    [Id(0)] public CatalogFailure Failure { get; init; }
    [Id(1)] public CatalogError[] Errors { get; init; } = [];

    /// <summary>The catalog's revision after the change (unchanged when refused).</summary>
    [Id(2)] public long Revision { get; init; }

    /// <summary>The version a publish made or a rollback restored, when there is one.</summary>
    [Id(3)] public int? Version { get; init; }

    /// <summary>What the change did (or, for a dry run, would do), item by item; empty when refused or when nothing differed.</summary>
    [Id(4)] public CatalogChange[] Changes { get; init; } = [];

    public bool Succeeded => Failure == CatalogFailure.None;

    public static CatalogResult Ok(long revision, int? version = null) => new() { Revision = revision, Version = version };

    public static CatalogResult Refused(CatalogFailure failure, long revision, IEnumerable<CatalogError> errors) =>
        new() { Failure = failure, Revision = revision, Errors = [.. errors] };
}
