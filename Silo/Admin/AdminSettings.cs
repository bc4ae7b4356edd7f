namespace Gateway.Silo.Admin;

/// <summary>The admin API. Bound from the <c>Admin</c> configuration section (environment: <c>Admin__Token</c>, ...).</summary>
public sealed record AdminSettings
{
    public const string Section = "Admin";

    /// <summary>
    /// The bearer token every admin call must carry. Required in cluster mode. Without one (local mode only)
    /// the admin API listens on loopback only.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>Optional. Port of the admin API (default 8081; 0 picks a free one).</summary>
    public int Port { get; init; } = 8081;

    public bool HasToken => !string.IsNullOrEmpty(Token);

    public static AdminSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<AdminSettings>() ?? new AdminSettings();
}
