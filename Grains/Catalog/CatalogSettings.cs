namespace Gateway.Catalog;

/// <summary>Rules of the catalog that differ by deployment. Bound from the silo's <c>Catalog</c> section.</summary>
public sealed record CatalogSettings
{
    public const string Section = "Catalog";

    /// <summary>
    /// Optional. Whether backends may have link-local or cloud-metadata addresses (169.254.0.0/16, fe80::/10,
    /// fd00:ec2::254); default false, so that an API cannot be made into a window on the cloud's instance metadata.
    /// </summary>
    public bool AllowLinkLocalBackends { get; init; }
}
