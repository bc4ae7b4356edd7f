using Gateway.Catalog;

namespace Gateway.Policies.Cors;

/// <summary>Which web pages on other origins may call the API from a browser, and what their scripts may send and read.</summary>
[GenerateSerializer, Immutable, Alias("gw.policies.CorsSettings")]
public sealed record CorsSettings
{
    /// <summary>Maximum seconds a browser may keep a preflight's answer; browsers cap it lower themselves.</summary>
    public const int MaxMaxAgeSeconds = 86_400;

    /// <summary>
    /// Required. Origins as 'https://app.example.com' (a port if not the scheme's own), 'https://*.example.com' for every
    /// subdomain, or '*' for any origin (not with credentials).
    /// </summary>
    [Id(0)] public string[] AllowedOrigins { get; init; } = [];

    /// <summary>Optional. Methods a page may use (default: the API's own methods).</summary>
    [Id(1)] public string[] AllowedMethods { get; init; } = [];

    /// <summary>Optional. Request headers a page's script may send (beyond the ones browsers always allow); '*' for any.</summary>
    [Id(2)] public string[] AllowedHeaders { get; init; } = [];

    /// <summary>Optional. Response headers a page's script may read (beyond the ones browsers always expose).</summary>
    [Id(3)] public string[] ExposedHeaders { get; init; } = [];

    /// <summary>Optional. Whether a page may send cookies and HTTP authentication with its calls (default false).</summary>
    [Id(4)] public bool AllowCredentials { get; init; }

    /// <summary>Optional. Seconds a browser may keep a preflight's answer, 0 to 86400 (default: the browser's own).</summary>
    [Id(5)] public int? MaxAgeSeconds { get; init; }

    public static CorsSettings Normalize(CorsSettings cors) => cors with
    {
        AllowedOrigins = Trimmed(cors.AllowedOrigins),
        AllowedMethods = [.. Trimmed(cors.AllowedMethods).Select(m => m.ToUpperInvariant())],
        AllowedHeaders = Trimmed(cors.AllowedHeaders),
        ExposedHeaders = Trimmed(cors.ExposedHeaders),
    };

    /// <summary>Every problem of the settings, each with its path under <paramref name="where"/>.</summary>
    public void Validate(string where, List<CatalogError> errors)
    {
        if (AllowedOrigins.Length == 0)
        {
            errors.Add(new(where + ".allowedOrigins", "Required", "a CORS policy allows at least one origin"));
        }

        for (var i = 0; i < AllowedOrigins.Length; i++)
        {
            var origin = AllowedOrigins[i];
            var at = $"{where}.allowedOrigins[{i}]";
            if (origin == "*")
            {
                if (AllowCredentials)
                {
                    errors.Add(new(at, "AnyOriginWithCredentials", "'*' cannot be used with allowCredentials: browsers refuse it; list the origins"));
                }
            }
            else if (!CorsOrigin.TryParse(origin, out _))
            {
                errors.Add(new(at, "BadOrigin", $"'{origin}' is not an origin such as 'https://app.example.com', 'https://*.example.com' or '*'"));
            }
        }

        CheckDistinct(AllowedOrigins, StringComparer.OrdinalIgnoreCase, where + ".allowedOrigins", errors);

        for (var i = 0; i < AllowedMethods.Length; i++)
        {
            if (!HttpTokens.KnownMethods.Contains(AllowedMethods[i]))
            {
                errors.Add(new($"{where}.allowedMethods[{i}]", "BadMethod", $"'{AllowedMethods[i]}' is not one of {string.Join(", ", HttpTokens.KnownMethods)}"));
            }
        }

        CheckHeaders(AllowedHeaders, allowAny: true, where + ".allowedHeaders", errors);
        CheckHeaders(ExposedHeaders, allowAny: false, where + ".exposedHeaders", errors);

        if (MaxAgeSeconds is { } maxAge && (maxAge < 0 || maxAge > MaxMaxAgeSeconds))
        {
            errors.Add(new(where + ".maxAgeSeconds", "OutOfRange", $"{maxAge} is not between 0 and {MaxMaxAgeSeconds}"));
        }
    }

    private static void CheckHeaders(string[] headers, bool allowAny, string where, List<CatalogError> errors)
    {
        for (var i = 0; i < headers.Length; i++)
        {
            var header = headers[i];
            if (!(allowAny && header == "*") && !HttpTokens.IsToken(header))
            {
                errors.Add(new($"{where}[{i}]", "BadHeaderName", $"'{header}' is not a header name{(allowAny ? " or '*'" : "")}"));
            }
        }

        CheckDistinct(headers, StringComparer.OrdinalIgnoreCase, where, errors);
    }

    private static void CheckDistinct(string[] values, StringComparer comparer, string where, List<CatalogError> errors)
    {
        foreach (var twice in values.GroupBy(v => v, comparer).Where(g => g.Count() > 1))
        {
            errors.Add(new(where, "Duplicate", $"'{twice.Key}' is listed more than once"));
        }
    }

    private static string[] Trimmed(string[]? values) => [.. (values ?? []).Where(v => v is not null).Select(v => v.Trim())];
}

/// <summary>An allowed origin: scheme, host (or a wildcard for its subdomains) and port.</summary>
public readonly record struct CorsOrigin(string Scheme, string Host, int Port, bool AnySubdomain)
{
    /// <summary>Parses 'https://app.example.com', 'http://localhost:3000' or 'https://*.example.com'.</summary>
    public static bool TryParse(string text, out CorsOrigin origin)
    {
        origin = default;
        var wildcard = false;
        var candidate = text;
        var marker = text.IndexOf("://*.", StringComparison.Ordinal);
        if (marker > 0)
        {
            wildcard = true;
            candidate = string.Concat(text.AsSpan(0, marker + 3), text.AsSpan(marker + 5));
        }

        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(uri.UserInfo)
            || uri.AbsolutePath != "/" || candidate.EndsWith('/')
            || uri.Query.Length > 0 || uri.Fragment.Length > 0
            || uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6)
            || candidate.Contains('*'))
        {
            return false;
        }

        origin = new CorsOrigin(uri.Scheme, uri.IdnHost.ToLowerInvariant(), uri.Port, wildcard);
        return true;
    }

    /// <summary>Whether a browser's Origin header (an exact origin, never a wildcard) is this one or, for a wildcard, one of its subdomains.</summary>
    public bool Matches(CorsOrigin requested) =>
        string.Equals(Scheme, requested.Scheme, StringComparison.Ordinal)
        && Port == requested.Port
        && (AnySubdomain
            ? requested.Host.Length > Host.Length + 1 && requested.Host.EndsWith("." + Host, StringComparison.Ordinal)
            : string.Equals(Host, requested.Host, StringComparison.Ordinal));
}
