namespace Gateway.Frontend.Parameters;

/// <summary>Frontend settings of parameter checking (section 'Parameters').</summary>
public sealed record ParameterSettings
{
    /// <summary>Optional. How long one parameter's pattern may run on one value, in milliseconds (default 100).</summary>
    public int RegexTimeoutMs { get; init; } = 100;

    /// <summary>Optional. The largest body read to check FORM or BODY parameters when the API sets no limit (default 8 MiB).</summary>
    public long MaxReadBodyBytes { get; init; } = 8 * 1024 * 1024;

    public static ParameterSettings From(IConfiguration configuration) =>
        configuration.GetSection("Parameters").Get<ParameterSettings>() ?? new ParameterSettings();
}
