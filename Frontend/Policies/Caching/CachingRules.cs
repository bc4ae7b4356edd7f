using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Frontend.Pipeline;
using Gateway.Policies.Caching;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Gateway.Frontend.Policies.Caching;

/// <summary>
/// A caching policy compiled for the hot path: which calls it may answer from the cache, what their key is made of,
/// and which backend answers it keeps and for how long.
/// </summary>
public sealed class CachingRules
{
    private readonly string[]? _query;
    private readonly string[] _headers;
    private readonly HashSet<string> _keyedHeaders;
    private readonly HashSet<int> _statuses;

    private CachingRules(CachingSettings settings)
    {
        Ttl = TimeSpan.FromSeconds(settings.TtlSeconds);
        _query = settings.QueryParameters;
        _headers = settings.Headers;
        _keyedHeaders = new HashSet<string>(settings.Headers, StringComparer.OrdinalIgnoreCase);
        _statuses = [.. settings.KeptStatuses];
        VaryByApp = settings.VaryByApp;
        CacheRequestsWithBody = settings.CacheRequestsWithBody;
        MaxEntryBytes = settings.MaxEntryBytes ?? CachingSettings.DefaultMaxEntryBytes;
    }

    public TimeSpan Ttl { get; }

    public bool VaryByApp { get; }

    public bool CacheRequestsWithBody { get; }

    public int MaxEntryBytes { get; }

    public static CachingRules Compile(CachingSettings settings) => new(settings);

    /// <summary>
    /// Whether the call may be answered from the cache at all: GET or HEAD, no credential header the key does not hold
    /// (its answer may be the caller's own), no body unless the policy says so, and nothing that asks for part of an
    /// answer or for a comparison the cache does not make.
    /// </summary>
    public bool MayAnswer(HttpRequest request, bool hasBody)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }

        if (hasBody && !CacheRequestsWithBody)
        {
            return false;
        }

        var headers = request.Headers;
        foreach (var credential in CachingSettings.CredentialHeaders)
        {
            if (headers.ContainsKey(credential) && !_keyedHeaders.Contains(credential))
            {
                return false;
            }
        }

        return !headers.ContainsKey(HeaderNames.Range) && !headers.ContainsKey(HeaderNames.IfNoneMatch) && !headers.ContainsKey(HeaderNames.IfModifiedSince)
            && !headers.ContainsKey(HeaderNames.IfMatch) && !headers.ContainsKey(HeaderNames.IfUnmodifiedSince);
    }

    /// <summary>
    /// The call's key: the API's scope (id, stage, version and purge count), then method, path, the chosen query
    /// parameters and headers, the app when asked and the body's hash when it has one. Every part is length-prefixed,
    /// so no value can pass for another part.
    /// </summary>
    public string KeyOf(string scope, HttpRequest request, GatewayRequest gateway, byte[]? body)
    {
        var key = new StringBuilder(scope, 256);
        Append(key, request.Method);
        Append(key, request.Path.Value ?? "");
        var query = request.Query;
        if (_query is null)
        {
            foreach (var name in query.Keys.Order(StringComparer.Ordinal))
            {
                Append(key, name);
                AppendValues(key, query[name]);
            }
        }
        else
        {
            foreach (var name in _query)
            {
                AppendValues(key, query.TryGetValue(name, out var values) ? values : StringValues.Empty);
            }
        }

        key.Append('|');
        foreach (var name in _headers)
        {
            AppendValues(key, request.Headers.TryGetValue(name, out var values) ? values : StringValues.Empty);
        }

        key.Append('|');
        if (VaryByApp)
        {
            Append(key, gateway.AppId ?? "");
        }

        if (body is { Length: > 0 })
        {
            Append(key, Convert.ToHexString(SHA256.HashData(body)));
        }

        return key.ToString();
    }

    /// <summary>
    /// How long the backend's answer may be kept: the policy's TTL, or less when the backend's Cache-Control says so;
    /// null when it must not be kept (a status not chosen, no-store, private, no-cache, a cookie, a Vary on a header the
    /// key does not hold).
    /// </summary>
    public TimeSpan? KeepFor(HttpResponse response)
    {
        if (!_statuses.Contains(response.StatusCode))
        {
            return null;
        }

        var headers = response.Headers;
        if (headers.ContainsKey(HeaderNames.SetCookie))
        {
            return null;
        }

        foreach (var vary in headers.Vary)
        {
            foreach (var name in (vary ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!_keyedHeaders.Contains(name))
                {
                    return null;
                }
            }
        }

        var ttl = Ttl;
        if (headers.CacheControl.Count > 0)
        {
            if (!CacheControlHeaderValue.TryParse(headers.CacheControl.ToString(), out var control)
                || control.NoStore || control.Private || control.NoCache)
            {
                return null;
            }

            if ((control.SharedMaxAge ?? control.MaxAge) is { } maxAge && maxAge < ttl)
            {
                ttl = maxAge;
            }
        }

        return ttl > TimeSpan.Zero ? ttl : null;
    }

    private static void AppendValues(StringBuilder key, StringValues values)
    {
        key.Append(values.Count.ToString(CultureInfo.InvariantCulture)).Append('#');
        foreach (var value in values)
        {
            Append(key, value ?? "");
        }
    }

    private static void Append(StringBuilder key, string part) =>
        key.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part);
}
