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
}
