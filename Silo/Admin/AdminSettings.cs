namespace Gateway.Silo.Admin;

/// <summary>The admin API. Bound from the <c>Admin</c> configuration section (environment: <c>Admin__Token</c>, ...).</summary>
public sealed record AdminSettings
{
    public const string Section = "Admin";

    /// <summary>
    /// Optional. A token with the admin role, named 'admin'. In cluster mode this or <see cref="Tokens"/> is
    /// required; without any token (local mode only) the admin API listens on loopback only.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>Optional. Named tokens with roles (<c>Admin:Tokens:ops:Token</c>, <c>Admin:Tokens:ops:Role</c>); the name is what the audit log records.</summary>
    public Dictionary<string, AdminTokenSettings> Tokens { get; init; } = [];

    /// <summary>Optional. Port of the admin API (default 8081; 0 picks a free one).</summary>
    public int Port { get; init; } = 8081;

    public bool HasToken => !string.IsNullOrEmpty(Token) || Tokens.Count > 0;

    public static AdminSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<AdminSettings>() ?? new AdminSettings();
}

/// <summary>One named admin token.</summary>
public sealed record AdminTokenSettings
{
    /// <summary>The token itself; or use <see cref="TokenFile"/>. At least 16 characters.</summary>
    public string? Token { get; init; }

    /// <summary>A file holding the token, such as a key of a Kubernetes Secret mounted as a volume; read at start.</summary>
    public string? TokenFile { get; init; }

    /// <summary>Required. viewer, editor or admin.</summary>
    public string? Role { get; init; }

    /// <summary>Never print the token.</summary>
    public override string ToString() => $"AdminTokenSettings {{ Role = {Role}, TokenFile = {TokenFile} }}";
}
