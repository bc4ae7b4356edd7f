using Gateway.SdkGenerator.Model;

namespace Gateway.SdkGenerator.Sdks;

/// <summary>Writes the source files of one language's SDK; the OpenAPI documents are added by <see cref="SdkBuilder"/>.</summary>
public interface ISdkLanguage
{
    /// <summary>The name in download routes: csharp, java, swift, typescript.</summary>
    string Name { get; }

    /// <summary>Every file but the OpenAPI documents, by path in the zip.</summary>
    IReadOnlyDictionary<string, string> Write(SdkScope scope);
}
