namespace Gateway.Metering;

/// <summary>
/// Which calls are billable. Only answers that came from a backend or a mock can ever be billable: the
/// gateway's own refusals (authentication, throttling, quota, validation) and debug calls never are.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.metering.Meter")]
public sealed record Meter
{
    /// <summary>The meter plans use when they name none: 2xx answers of backends and mocks.</summary>
    public const string DefaultName = "default";

    /// <summary>Required. Unique name: letters, digits, '-', '_' and '.'.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Optional. The status classes that are billable, 1 to 5 (default [2]: 2xx).</summary>
    [Id(1)] public int[] StatusClasses { get; init; } = [2];

    /// <summary>Optional. Whether answers of a mock are billable like a backend's (default true).</summary>
    [Id(2)] public bool IncludeMocks { get; init; } = true;

    /// <summary>Optional. Free text for operators.</summary>
    [Id(3)] public string? Description { get; init; }

    /// <summary>The meter in force where a plan names none, or names the default without defining it.</summary>
    public static Meter Default { get; } = new() { Name = DefaultName };

    /// <summary>Whether an answer with this status, from a backend (or a mock when <paramref name="mock"/>), is billable.</summary>
    public bool Bills(int status, bool mock) => (!mock || IncludeMocks) && Array.IndexOf(StatusClasses, status / 100) >= 0;
}
