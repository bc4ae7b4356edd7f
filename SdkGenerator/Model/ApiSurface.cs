using Gateway.Catalog;

namespace Gateway.SdkGenerator.Model;

/// <summary>
/// What callers see of one API group in one stage, taken from a published catalog snapshot: the input of every
/// document and SDK. Never holds a secret, so nothing built from it can leak one.
/// </summary>
public sealed record ApiSurface
{
    /// <summary>Required. The group's name.</summary>
    public required string Group { get; init; }

    /// <summary>Required. RELEASE, PRE or TEST.</summary>
    public required string Stage { get; init; }

    /// <summary>Required. The catalog revision the surface was taken from.</summary>
    public required long Revision { get; init; }

    /// <summary>Optional. The group's description.</summary>
    public string? Description { get; init; }

    /// <summary>Required. Base addresses callers use: the group's domains, or the gateway's own address.</summary>
    public required IReadOnlyList<ServerAddress> Servers { get; init; }

    /// <summary>Required. One per API and method, ordered by path then method.</summary>
    public required IReadOnlyList<ApiOperation> Operations { get; init; }

    /// <summary>Required. The identity providers the operations' OpenID Connect requirements name.</summary>
    public required IReadOnlyList<IdentityProviderInfo> IdentityProviders { get; init; }
}

/// <summary>A base address; a wildcard domain ('*.example.com') becomes the variable 'subdomain'.</summary>
public sealed record ServerAddress(string Url, string? Description, string? SubdomainDefault);

/// <summary>An identity provider as documents show it: its name and discovery address, nothing secret.</summary>
public sealed record IdentityProviderInfo(string Name, string DiscoveryUrl);

/// <summary>One method of one published API.</summary>
public sealed record ApiOperation
{
    /// <summary>Required. Unique in the surface: the API id, with the method added when the API has several.</summary>
    public required string OperationId { get; init; }

    /// <summary>Required. The API's id.</summary>
    public required string ApiId { get; init; }

    /// <summary>Required. The API's name.</summary>
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Required. Upper-case HTTP method.</summary>
    public required string Method { get; init; }

    /// <summary>Required. The path callers use: the group's base path and the API's path, with {params}.</summary>
    public required string Path { get; init; }

    /// <summary>Required. The published version in the stage.</summary>
    public required int Version { get; init; }

    public required ApiAuthType AuthType { get; init; }

    public bool NonceRequired { get; init; }

    /// <summary>The signature methods accepted; empty means both.</summary>
    public IReadOnlyList<string> SignatureMethods { get; init; } = [];

    /// <summary>Where the token goes when <see cref="AuthType"/> asks for OpenID Connect.</summary>
    public OpenIdConnectRequirement? OpenIdConnect { get; init; }

    /// <summary>Path, query, header and form parameters, path parameters first in template order.</summary>
    public required IReadOnlyList<ApiParameter> Parameters { get; init; }

    /// <summary>The JSON body's parameter, with its schema, when the API has one.</summary>
    public ApiParameter? Body { get; init; }

    public long? MaxBodyBytes { get; init; }

    public MockResponse? Mock { get; init; }

    public bool UsesAppSignature => AuthType is ApiAuthType.AppSignature or ApiAuthType.AppSignatureAndOpenIdConnect;

    public bool UsesOpenIdConnect => AuthType is ApiAuthType.OpenIdConnect or ApiAuthType.AppSignatureAndOpenIdConnect;

    public IEnumerable<ApiParameter> In(ParameterLocation location) => Parameters.Where(p => p.Location == location);
}

/// <summary>What an SDK is made for: the surfaces of one or more groups in one stage, and who asked.</summary>
public sealed record SdkScope
{
    /// <summary>Required. The stage every client calls by default.</summary>
    public required string Stage { get; init; }

    public required long Revision { get; init; }

    /// <summary>Required. Used to name the package: the group's name, or the app's id.</summary>
    public required string Name { get; init; }

    /// <summary>Optional. The app the SDK was made for (the app-scoped download).</summary>
    public string? App { get; init; }

    /// <summary>Required. One per group with at least one operation; may be empty for an app without grants.</summary>
    public required IReadOnlyList<ApiSurface> Groups { get; init; }
}
