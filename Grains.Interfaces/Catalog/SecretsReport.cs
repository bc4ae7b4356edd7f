namespace Gateway.Catalog;

/// <summary>How the catalog's stored secrets are encrypted: never a secret, only key ids and counts.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.SecretsReport")]
public sealed record SecretsReport
{
    [Id(0)] public long Revision { get; init; }

    /// <summary>The key new secrets are sealed with.</summary>
    [Id(1)] public string ActiveKey { get; init; } = "";

    /// <summary>Stored secrets by the id of the key that sealed them; after a re-encrypt, only the active key.</summary>
    [Id(2)] public Dictionary<string, int> SealedByKey { get; init; } = [];

    /// <summary>Stored secrets not encrypted (written before encryption at rest); re-encrypt seals them.</summary>
    [Id(3)] public int InClear { get; init; }
}
