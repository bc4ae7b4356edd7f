using Gateway.Security;

namespace Gateway.Catalog;

/// <summary>How callers of an API prove who they are.</summary>
public enum ApiAuthType
{
    /// <summary>No caller identity is required.</summary>
    Anonymous = 0,

    /// <summary>An app signs each call with an X-Ca signature (docs/SIGNATURE.md section 1) and needs a grant for the API.</summary>
    AppSignature = 1,
    /// <summary>A JWT from the API's identity provider (see <see cref="ApiDefinition.OpenIdConnect"/>).</summary>
    OpenIdConnect = 2,

    /// <summary>An app signature and a JWT from the API's identity provider, both valid.</summary>
    AppSignatureAndOpenIdConnect = 3,
}

/// <summary>One API: what callers call on the gateway, and where the gateway forwards it.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.ApiDefinition")]
public sealed record ApiDefinition
{
    /// <summary>Required. Unique id: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Id { get; init; } = "";

    /// <summary>Required. The <see cref="ApiGroup"/> the API belongs to.</summary>
    [Id(1)] public string Group { get; init; } = "";

    /// <summary>Required. Human-readable name.</summary>
    [Id(2)] public string Name { get; init; } = "";

    /// <summary>Required. HTTP methods the API answers (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS).</summary>
    [Id(3)] public string[] Methods { get; init; } = [];

    /// <summary>Required. Path template under the group's base path, such as '/orders/{id}'.</summary>
    [Id(4)] public string Path { get; init; } = "";

    /// <summary>Optional. How callers authenticate (default Anonymous).</summary>
    [Id(5)] public ApiAuthType AuthType { get; init; } = ApiAuthType.Anonymous;

    /// <summary>Required. The <see cref="Catalog.Backend"/> calls are forwarded to.</summary>
    [Id(6)] public string Backend { get; init; } = "";

    /// <summary>Optional. Backend path template; its {params} come from <see cref="Path"/>. Default: the API's path.</summary>
    [Id(7)] public string? BackendPath { get; init; }

    /// <summary>Optional. Overrides the backend's request timeout for this API, in milliseconds.</summary>
    [Id(8)] public int? TimeoutMs { get; init; }

    /// <summary>Optional. Free text for operators and generated documentation.</summary>
    [Id(9)] public string? Description { get; init; }

    /// <summary>Optional. With AppSignature: the signature methods accepted (HmacSHA256, HmacSHA1); none means both.</summary>
    [Id(10)] public string[] SignatureMethods { get; init; } = [];

    /// <summary>Optional. With AppSignature: whether every call must carry an X-Ca-Nonce (default false).</summary>
    [Id(11)] public bool NonceRequired { get; init; }
    /// <summary>Optional. Client addresses that may or may not call this API (the group's rules apply too).</summary>
    [Id(20)] public IpAccessControl? IpAccess { get; init; }

    /// <summary>Optional. Answer only over HTTPS: plain HTTP GET/HEAD are redirected, other methods refused (default false).</summary>
    [Id(21)] public bool HttpsOnly { get; init; }

    /// <summary>Required when <see cref="AuthType"/> asks for OpenID Connect: which provider's tokens, read from where.</summary>
    [Id(22)] public OpenIdConnectRequirement? OpenIdConnect { get; init; }
    // Request parameters: Ids 30-39.

    /// <summary>Optional. PASSTHROUGH (default) forwards the request as it came; MAPPING forwards only defined parameters.</summary>
    [Id(30)] public RequestMode RequestMode { get; init; } = RequestMode.Passthrough;

    /// <summary>Optional. The parameters callers send, checked before any backend is contacted.</summary>
    [Id(31)] public ApiParameter[] Parameters { get; init; } = [];

    /// <summary>Optional. Fixed values the backend always gets.</summary>
    [Id(32)] public ConstantParameter[] Constants { get; init; } = [];

    /// <summary>Optional. Values the gateway knows about the call (client IP, request id...) handed to the backend.</summary>
    [Id(33)] public SystemParameter[] SystemParameters { get; init; } = [];

    /// <summary>Optional. The largest request body accepted, in bytes; larger gets 413.</summary>
    [Id(34)] public long? MaxBodyBytes { get; init; }

    /// <summary>Optional. Media types a request body may have ('application/json', 'text/*'); others get 415. None: any.</summary>
    [Id(35)] public string[] ContentTypes { get; init; } = [];

    /// <summary>Optional. When set, calls are answered with this instead of being forwarded.</summary>
    [Id(36)] public MockResponse? Mock { get; init; }
}
