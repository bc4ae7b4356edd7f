using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Catalog;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Gateway.Silo.Catalog;

/// <summary>
/// Reads and writes catalog documents and the admin API's bodies as JSON or YAML: camelCase names exactly as
/// documented, enums as names, and unknown fields refused (a misspelt field silently ignored would be a silent
/// misconfiguration). Reading goes through <see cref="StrictDocumentReader"/>, which applies the same rules to both.
/// </summary>
public static class CatalogDocumentFormat
{
    public static readonly JsonSerializerOptions Json = ReadOnly(new(JsonSerializerDefaults.Web)
    {
        // Field names exactly as documented, in JSON as in YAML ('basePath', never 'basepath').
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    });

    private static readonly ISerializer YamlWriter = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .DisableAliases()
        .Build();

    /// <summary>Frozen with its reflection resolver, so that the strict reader can walk the types' contracts.</summary>
    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>True when the text looks like JSON rather than YAML.</summary>
    public static bool LooksLikeJson(string text) => text.AsSpan().TrimStart().StartsWith("{");

    /// <summary>
    /// Parses JSON or YAML; on failure, lists every problem with its path, and <paramref name="value"/> holds
    /// what could be read without the faulty fields (or null).
    /// </summary>
    public static bool TryRead<T>(string text, bool yaml, out T? value, out List<CatalogError> errors)
        where T : class
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            value = null;
            errors = [new CatalogError("", "Empty", "the body is empty")];
            return false;
        }

        return StrictDocumentReader.TryRead(text, yaml, Json, out value, out errors);
    }

    /// <summary>Parses JSON or YAML; on failure, says where and what is wrong in one line.</summary>
    public static bool TryParse<T>(string text, bool yaml, out T? value, out string error)
        where T : class
    {
        var ok = TryRead(text, yaml, out value, out var errors);
        error = ok ? "" : Describe(errors);
        return ok;
    }

    /// <summary>The problems as one line each: 'apis[3].path: message (Code)'.</summary>
    public static string Describe(IEnumerable<CatalogError> errors) =>
        string.Join(Environment.NewLine, errors.Select(e => e.Path.Length == 0 ? $"{e.Message} ({e.Code})" : $"{e.Path}: {e.Message} ({e.Code})"));

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static string ToYaml<T>(T value) => YamlWriter.Serialize(value);

    public static CatalogDocument Parse(string text, string source)
    {
        if (!TryParse<CatalogDocument>(text, !LooksLikeJson(text), out var document, out var error))
        {
            throw new InvalidDataException($"{source}: {error}");
        }

        return document!;
    }
}
