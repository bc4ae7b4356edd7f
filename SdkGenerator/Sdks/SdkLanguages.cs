namespace Gateway.SdkGenerator.Sdks;

/// <summary>The languages SDKs are generated in.</summary>
public static class SdkLanguages
{
    private static readonly ISdkLanguage[] Languages =
    [
        new CSharpSdk(),
        new JavaSdk(),
        new SwiftSdk(),
        new TypeScriptSdk(),
    ];

    /// <summary>The names, sorted, as an error answer lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Languages.Select(l => l.Name).Order(StringComparer.Ordinal)];

    public static ISdkLanguage? Find(string? name) =>
        Languages.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase));
}
