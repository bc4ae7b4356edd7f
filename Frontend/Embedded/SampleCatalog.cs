using Gateway.Catalog;
using Gateway.Silo.Catalog;

namespace Gateway.Frontend.Embedded;

/// <summary>The sample catalog of the embedded default (Embedded/sample-catalog.yaml), pointed at the sample backend.</summary>
public static class SampleCatalog
{
    public const string BackendName = "sample-echo";

    public static CatalogDocument Load(string sampleBackendAddress)
    {
        using var stream = typeof(SampleCatalog).Assembly.GetManifestResourceStream("sample-catalog.yaml")
            ?? throw new InvalidOperationException("the sample catalog is missing from the build");
        using var reader = new StreamReader(stream);
        var document = CatalogDocumentFormat.Parse(reader.ReadToEnd(), "sample-catalog.yaml");
        return document with
        {
            Backends = [.. document.Backends.Select(b => b.Name == BackendName ? b with { Addresses = [sampleBackendAddress] } : b)],
        };
    }
}
