using System.Text;

namespace Gateway.SdkGenerator.Sdks;

/// <summary>The static files of each language (signer cores, transports), embedded in this assembly.</summary>
internal static class Templates
{
    public static string Read(string path, params (string Placeholder, string Value)[] values)
    {
        using var stream = typeof(Templates).Assembly.GetManifestResourceStream("Templates/" + path)
            ?? throw new InvalidOperationException($"template '{path}' is not embedded in {typeof(Templates).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd().ReplaceLineEndings("\n");
        foreach (var (placeholder, value) in values)
        {
            text = text.Replace(placeholder, value, StringComparison.Ordinal);
        }

        return text;
    }
}
