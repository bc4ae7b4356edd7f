using Gateway.Policies;
using Gateway.Policies.Cors;
using Microsoft.Extensions.Primitives;

namespace Gateway.Frontend.Policies.Cors;

/// <summary>A CORS policy compiled for the hot path: origins parsed, the header values it answers made once.</summary>
public sealed class CorsRules
{
    /// <summary>Request headers a browser may always send without the server allowing them.</summary>
    private static readonly HashSet<string> SafelistedHeaders = new(["accept", "accept-language", "content-language", "content-type"], StringComparer.OrdinalIgnoreCase);

    private readonly CorsOrigin[] _origins;
    private readonly bool _anyOrigin;
    private readonly HashSet<string> _methods;
    private readonly HashSet<string> _headers;
    private readonly bool _anyHeader;

    private CorsRules(CorsSettings settings)
    {
        _anyOrigin = settings.AllowedOrigins.Contains("*");
        _origins = [.. settings.AllowedOrigins.Where(o => o != "*").Select(o => CorsOrigin.TryParse(o, out var origin) ? origin : default).Where(o => o.Host is not null)];
        _methods = new HashSet<string>(settings.AllowedMethods, StringComparer.Ordinal);
        _anyHeader = settings.AllowedHeaders.Contains("*");
        _headers = new HashSet<string>(settings.AllowedHeaders.Where(h => h != "*"), StringComparer.OrdinalIgnoreCase);
        AllowCredentials = settings.AllowCredentials;
        ExposedHeaders = settings.ExposedHeaders.Length == 0 ? StringValues.Empty : new StringValues(string.Join(", ", settings.ExposedHeaders));
        AllowedHeaders = new StringValues(string.Join(", ", _headers));
        MaxAge = settings.MaxAgeSeconds is { } seconds ? new StringValues(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)) : StringValues.Empty;
        AllowedMethods = settings.AllowedMethods.Length == 0 ? StringValues.Empty : new StringValues(string.Join(", ", settings.AllowedMethods));
    }

    public bool AllowCredentials { get; }

    /// <summary>Access-Control-Expose-Headers of real answers; empty when none.</summary>
    public StringValues ExposedHeaders { get; }

    /// <summary>Access-Control-Max-Age of preflight answers; empty for the browser's default.</summary>
    public StringValues MaxAge { get; }

    /// <summary>The listed methods; empty: the API's own.</summary>
    public StringValues AllowedMethods { get; }

    private StringValues AllowedHeaders { get; }

    public static CorsRules Compile(CorsSettings settings) => new(settings);

    /// <summary>Whether the Origin a browser sent may call; only ever an exact origin, compared by scheme, host and port.</summary>
    public bool AllowsOrigin(string origin)
    {
        if (_anyOrigin)
        {
            return true;
        }

        if (!CorsOrigin.TryParse(origin, out var requested) || requested.AnySubdomain)
        {
            return false;
        }

        foreach (var allowed in _origins)
        {
            if (allowed.Matches(requested))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The Access-Control-Allow-Origin to answer: '*' only for any origin without credentials, else the caller's own.</summary>
    public string AllowOriginValue(string origin) => _anyOrigin && !AllowCredentials ? "*" : origin;

    /// <summary>Whether the method of a preflight may be used: a listed one, or with none listed, one of the API's.</summary>
    public bool AllowsMethod(string method, string[] apiMethods) =>
        _methods.Count == 0 ? apiMethods.Contains(method, StringComparer.Ordinal) : _methods.Contains(method);

    /// <summary>
    /// Whether every header a preflight asks for is allowed, and the Access-Control-Allow-Headers to answer: the
    /// asked-for list itself when any header is allowed ('*' means a literal '*' to a browser sending credentials).
    /// </summary>
    public bool AllowsHeaders(StringValues requested, out StringValues answer)
    {
        answer = _anyHeader ? requested : AllowedHeaders;
        if (_anyHeader)
        {
            return true;
        }

        foreach (var line in requested)
        {
            foreach (var part in (line ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!_headers.Contains(part) && !SafelistedHeaders.Contains(part))
                {
                    return false;
                }
            }
        }

        return true;
    }

    internal static bool IsKnownMethod(string method) => HttpTokens.KnownMethods.Contains(method);
}
