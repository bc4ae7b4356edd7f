using Gateway.SdkGenerator.Model;
using Gateway.SdkGenerator.OpenApi;

namespace Gateway.SdkGenerator.Sdks;

/// <summary>A language's SDK as a zip: its sources, README and API reference, and each group's OpenAPI document.</summary>
public static class SdkBuilder
{
    public static byte[] Build(SdkScope scope, ISdkLanguage language)
    {
        var files = new Dictionary<string, string>(language.Write(scope), StringComparer.Ordinal);
        foreach (var surface in scope.Groups)
        {
            files[$"openapi/{surface.Group}.json"] = OpenApiText.ToJson(OpenApiDocumentBuilder.Build(surface));
        }

        return SdkArchive.Create(files);
    }

    /// <summary>The zip's single top folder, so that unzipping never spills files: such as 'shop-release-csharp-sdk'.</summary>
    public static string FolderName(SdkScope scope, ISdkLanguage language) =>
        $"{Identifiers.Flat(scope.Name)}-{scope.Stage.ToLowerInvariant()}-{language.Name}-sdk";
}
