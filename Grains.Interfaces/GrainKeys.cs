namespace Gateway;

/// <summary>Every grain key is built here, so that the silo, frontends and tests agree on them.</summary>
public static class GrainKeys
{
    /// <summary>The one catalog of a deployment.</summary>
    public const string Catalog = "default";
}
