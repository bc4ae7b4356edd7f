namespace Gateway.Frontend.Policies.Caching;

/// <summary>The frontend's response cache, bound from the <c>ResponseCache</c> configuration section.</summary>
public sealed record ResponseCacheSettings
{
    public const string Section = "ResponseCache";

    /// <summary>
    /// Optional. The bytes every cached answer of this frontend may hold together, bodies, headers and keys (default
    /// 64 MiB). Past it the least recently used answers are dropped.
    /// </summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    public static ResponseCacheSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ResponseCacheSettings>() ?? new ResponseCacheSettings();
}
