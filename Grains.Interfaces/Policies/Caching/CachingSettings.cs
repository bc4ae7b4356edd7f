using Gateway.Catalog;

namespace Gateway.Policies.Caching;

/// <summary>
/// Response caching: a frontend keeps the backend's answers to GET and HEAD calls for a while and answers the same
/// call from memory. Authentication, grants, parameter checks and throttling still run on every call; only the backend
/// is spared. The key is always the API, its stage and version, the method and the path; the fields below add to it.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.policies.CachingSettings")]
public sealed record CachingSettings
{
    public const int MaxTtlSeconds = 86_400;
    public const int DefaultMaxEntryBytes = 1024 * 1024;
    public const int MaxMaxEntryBytes = 16 * 1024 * 1024;
    public const int MaxKeyParts = 32;

    /// <summary>Headers whose value depends on who calls: an answer to a call carrying one is shared only when the key holds the header.</summary>
    public static readonly IReadOnlyList<string> CredentialHeaders = ["Authorization", "Cookie", "Proxy-Authorization"];

    /// <summary>Required. Seconds an answer is kept, 1 to 86400; a backend's shorter max-age wins.</summary>
    [Id(0)] public int TtlSeconds { get; init; }

    /// <summary>
    /// Optional. The query parameters that make answers differ, by name. Absent: every parameter (the whole query, in a
    /// canonical order); empty: none (every query shares one answer).
    /// </summary>
    [Id(1)] public string[]? QueryParameters { get; init; }

    /// <summary>
    /// Optional. Request headers that make answers differ. A call carrying Authorization or Cookie is cached only when
    /// the header is listed here: then each credential has answers of its own.
    /// </summary>
    [Id(2)] public string[] Headers { get; init; } = [];

    /// <summary>Optional. Whether each app has answers of its own (default false: apps granted the API share them).</summary>
    [Id(3)] public bool VaryByApp { get; init; }

    /// <summary>Optional. The backend statuses that are kept (default 200 only).</summary>
    [Id(4)] public int[] Statuses { get; init; } = [];

    /// <summary>Optional. Answers whose body is larger than this (default 1 MiB, at most 16 MiB) are passed on, not kept.</summary>
    [Id(5)] public int? MaxEntryBytes { get; init; }

    /// <summary>
    /// Optional. Whether a call with a request body may be answered from the cache (default false: it always goes to
    /// the backend). When true the body's SHA-256 is part of the key.
    /// </summary>
    [Id(6)] public bool CacheRequestsWithBody { get; init; }

    /// <summary>The statuses kept: the listed ones, or 200.</summary>
    public IReadOnlyList<int> KeptStatuses => Statuses.Length == 0 ? [200] : Statuses;

    public static CachingSettings Normalize(CachingSettings settings) => settings with
    {
        QueryParameters = settings.QueryParameters is null ? null : [.. settings.QueryParameters.Where(q => q is not null).Select(q => q.Trim())],
        Headers = [.. (settings.Headers ?? []).Where(h => h is not null).Select(h => h.Trim())],
        Statuses = settings.Statuses ?? [],
    };

    /// <summary>Every problem of the settings, each with its path under <paramref name="where"/>.</summary>
    public void Validate(string where, List<CatalogError> errors)
    {
        if (TtlSeconds is < 1 or > MaxTtlSeconds)
        {
            errors.Add(new(where + ".ttlSeconds", "OutOfRange", $"{TtlSeconds} is not between 1 and {MaxTtlSeconds} seconds"));
        }

        if (QueryParameters is { } query)
        {
            CheckNames(query, where + ".queryParameters", "a query parameter name", q => q.Length is > 0 and <= 128 && !q.Any(char.IsControl), StringComparer.Ordinal, errors);
        }

        CheckNames(Headers, where + ".headers", "a header name", HttpTokens.IsToken, StringComparer.OrdinalIgnoreCase, errors);

        for (var i = 0; i < Statuses.Length; i++)
        {
            // Only answers a shared cache may keep by default (RFC 9111 heuristically cacheable statuses, errors included).
            if (Statuses[i] is not (200 or 203 or 204 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501))
            {
                errors.Add(new($"{where}.statuses[{i}]", "NotCacheable", $"{Statuses[i]} is not one of 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501"));
            }
        }

        if (Statuses.Distinct().Count() != Statuses.Length)
        {
            errors.Add(new(where + ".statuses", "Duplicate", "a status is listed more than once"));
        }

        if (MaxEntryBytes is { } max && (max < 1 || max > MaxMaxEntryBytes))
        {
            errors.Add(new(where + ".maxEntryBytes", "OutOfRange", $"{max} is not between 1 and {MaxMaxEntryBytes}"));
        }
    }

    private static void CheckNames(string[] names, string where, string what, Func<string, bool> valid, StringComparer comparer, List<CatalogError> errors)
    {
        if (names.Length > MaxKeyParts)
        {
            errors.Add(new(where, "TooMany", $"{names.Length} names; at most {MaxKeyParts}"));
        }

        for (var i = 0; i < names.Length; i++)
        {
            if (!valid(names[i]))
            {
                errors.Add(new($"{where}[{i}]", "BadName", $"'{names[i]}' is not {what}"));
            }
        }

        foreach (var twice in names.GroupBy(n => n, comparer).Where(g => g.Count() > 1))
        {
            errors.Add(new(where, "Duplicate", $"'{twice.Key}' is listed more than once"));
        }
    }
}
