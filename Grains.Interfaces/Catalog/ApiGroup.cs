using Gateway.Security;

namespace Gateway.Catalog;

/// <summary>A set of APIs that answer on the same host names under one base path.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.ApiGroup")]
public sealed record ApiGroup
{
    /// <summary>Required. Unique name: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Optional. Host names the group answers on (exact, or '*.example.com'); none means any host.</summary>
    [Id(1)] public string[] Domains { get; init; } = [];

    /// <summary>Optional. A path prefix for every API of the group, such as '/shop'; empty for none.</summary>
    [Id(2)] public string BasePath { get; init; } = "";

    /// <summary>Optional. Free text for operators and generated documentation.</summary>
    [Id(3)] public string? Description { get; init; }

    /// <summary>Optional. Client addresses that may or may not call any API of the group.</summary>
    [Id(10)] public IpAccessControl? IpAccess { get; init; }
}
