using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Catalog;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Gateway.Silo.Catalog;

/// <summary>
/// Reads and writes catalog documents and the admin API's bodies as JSON or YAML: camelCase names, enums as
/// names, and unknown fields refused (a misspelt field silently ignored would be a silent misconfiguration).
/// </summary>
public static class CatalogDocumentFormat
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    private static readonly IDeserializer YamlReader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    private static readonly ISerializer YamlWriter = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .Build();

    /// <summary>True when the text looks like JSON rather than YAML.</summary>
    public static bool LooksLikeJson(string text) => text.AsSpan().TrimStart().StartsWith("{");

    /// <summary>Parses JSON or YAML; on failure, says where and what is wrong.</summary>
    public static bool TryParse<T>(string text, bool yaml, out T? value, out string error)
        where T : class
    {
        value = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the body is empty";
            return false;
        }

        try
        {
            value = yaml ? YamlReader.Deserialize<T>(text) : JsonSerializer.Deserialize<T>(text, Json);
        }
        catch (JsonException e)
        {
            error = $"invalid JSON: {e.Message}";
            return false;
        }
        catch (YamlException e)
        {
            // YamlDotNet wraps the useful part (an unknown property, a bad value) in the inner exception.
            var detail = e.InnerException?.Message is { } inner ? $"{e.Message.TrimEnd('.')}: {inner}" : e.Message;
            error = $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {detail}";
            return false;
        }

        if (value is null)
        {
            error = "the body holds no document";
            return false;
        }

        return true;
    }

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
