namespace Gateway.Catalog;

/// <summary>How an API's request reaches its backend.</summary>
public enum RequestMode
{
    /// <summary>The request goes as it came; defined parameters are still checked, constants and system parameters added.</summary>
    Passthrough = 0,

    /// <summary>Only defined parameters pass, each under its backend name and location.</summary>
    Mapping = 1,
}

/// <summary>Where a parameter is carried in a request.</summary>
public enum ParameterLocation
{
    /// <summary>A {name} segment of the path template.</summary>
    Path = 0,
    Query = 1,
    Header = 2,

    /// <summary>A field of an application/x-www-form-urlencoded body.</summary>
    Form = 3,

    /// <summary>The whole body as JSON, checked against a JSON Schema.</summary>
    Body = 4,
}

/// <summary>The type a parameter's text must parse as (invariant culture).</summary>
public enum ParameterType
{
    String = 0,
    Int = 1,
    Long = 2,
    Float = 3,
    Double = 4,
    Boolean = 5,
}

/// <summary>A value the gateway knows about a call and can hand to the backend.</summary>
public enum SystemParameterKind
{
    /// <summary>The caller's IP address.</summary>
    ClientIp = 0,

    /// <summary>The gateway's request id (also in X-Ca-Request-Id).</summary>
    RequestId = 1,

    /// <summary>The authenticated app's id.</summary>
    AppId = 2,

    /// <summary>The AppKey the caller signed with.</summary>
    AppKey = 3,

    /// <summary>The API's name.</summary>
    ApiName = 4,

    /// <summary>The stage the call went to (RELEASE, PRE, TEST).</summary>
    Stage = 5,

    /// <summary>The host name the caller used, one of the API group's domains.</summary>
    Domain = 6,

    /// <summary>When the gateway received the call, ISO 8601 UTC with milliseconds.</summary>
    RequestTime = 7,

    /// <summary>The user the caller acts for (the subject of an OpenID Connect token).</summary>
    UserId = 8,
}

/// <summary>One parameter callers send: how it is checked, and where the backend gets it.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.ApiParameter")]
public sealed record ApiParameter
{
    /// <summary>Required. The name callers use (for Body: a label used in error messages).</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Required. Where callers send it.</summary>
    [Id(1)] public ParameterLocation Location { get; init; } = ParameterLocation.Query;

    /// <summary>Optional. The type its text must parse as (default String).</summary>
    [Id(2)] public ParameterType Type { get; init; } = ParameterType.String;

    /// <summary>Optional. The parameter may repeat (?id=1&amp;id=2); each value is checked. Query, Header and Form only.</summary>
    [Id(3)] public bool IsArray { get; init; }

    /// <summary>Optional. A call without it is refused.</summary>
    [Id(4)] public bool Required { get; init; }

    /// <summary>Optional. Sent to the backend (MAPPING mode) when the caller leaves the parameter out; must obey the rules.</summary>
    [Id(5)] public string? Default { get; init; }

    /// <summary>Optional. Smallest value allowed (Int, Long, Float, Double).</summary>
    [Id(6)] public decimal? Minimum { get; init; }

    /// <summary>Optional. Largest value allowed (Int, Long, Float, Double).</summary>
    [Id(7)] public decimal? Maximum { get; init; }

    /// <summary>Optional. Fewest characters (Unicode code points) allowed (String).</summary>
    [Id(8)] public int? MinLength { get; init; }

    /// <summary>Optional. Most characters (Unicode code points) allowed (String).</summary>
    [Id(9)] public int? MaxLength { get; init; }

    /// <summary>Optional. A .NET regular expression the whole value must match; it runs with a timeout.</summary>
    [Id(10)] public string? Pattern { get; init; }

    /// <summary>Optional. The only values allowed, compared as the parameter's type.</summary>
    [Id(11)] public string[] Enum { get; init; } = [];

    /// <summary>Optional. Free text for generated documentation.</summary>
    [Id(12)] public string? Description { get; init; }

    /// <summary>Optional. An example value for generated documentation; must obey the rules.</summary>
    [Id(13)] public string? Example { get; init; }

    /// <summary>Optional (MAPPING mode). The name the backend gets it under; default: <see cref="Name"/>.</summary>
    [Id(14)] public string? BackendName { get; init; }

    /// <summary>Optional (MAPPING mode). Where the backend gets it; default: <see cref="Location"/>.</summary>
    [Id(15)] public ParameterLocation? BackendLocation { get; init; }

    /// <summary>Required for Body, refused elsewhere. A JSON Schema (as JSON text) the body must satisfy.</summary>
    [Id(16)] public string? Schema { get; init; }
}

/// <summary>A fixed value the backend always gets, invisible to callers, such as the Host an ingress routes on.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.ConstantParameter")]
public sealed record ConstantParameter
{
    /// <summary>Required. The name the backend gets it under.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Required. Header or Query (and Path or Form in MAPPING mode).</summary>
    [Id(1)] public ParameterLocation Location { get; init; } = ParameterLocation.Header;

    /// <summary>Required. The value.</summary>
    [Id(2)] public string Value { get; init; } = "";

    /// <summary>Optional. Free text for operators.</summary>
    [Id(3)] public string? Description { get; init; }
}

/// <summary>A value the gateway knows about the call, handed to the backend under a chosen name.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.SystemParameter")]
public sealed record SystemParameter
{
    /// <summary>Required. Which value.</summary>
    [Id(0)] public SystemParameterKind Kind { get; init; }

    /// <summary>Required. The name the backend gets it under.</summary>
    [Id(1)] public string Name { get; init; } = "";

    /// <summary>Required. Header or Query (and Path or Form in MAPPING mode).</summary>
    [Id(2)] public ParameterLocation Location { get; init; } = ParameterLocation.Header;
}

/// <summary>
/// The answer a mocked API gives without contacting its backend. Part of the API's definition, so that mocking
/// is switched on or off by publishing.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.MockResponse")]
public sealed record MockResponse
{
    /// <summary>The largest body a mock may hold, in UTF-8 bytes.</summary>
    public const int MaxBodyBytes = 50 * 1024;

    /// <summary>Optional. The status code (default 200).</summary>
    [Id(0)] public int Status { get; init; } = 200;

    /// <summary>Optional. Response headers, such as Content-Type.</summary>
    [Id(1)] public MockHeader[] Headers { get; init; } = [];

    /// <summary>Optional. The body, at most 50 KB in UTF-8.</summary>
    [Id(2)] public string Body { get; init; } = "";

    /// <summary>Optional. The stages the version mocks in when published there; none means every stage.</summary>
    [Id(3)] public string[] Stages { get; init; } = [];
}

/// <summary>One header of a <see cref="MockResponse"/>.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.MockHeader")]
public sealed record MockHeader
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public string Value { get; init; } = "";
}
