using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Gateway.SdkGenerator.OpenApi;

/// <summary>Writes a document as JSON or YAML, the same tree either way.</summary>
public static class OpenApiText
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJson(JsonNode document) => document.ToJsonString(Indented) + "\n";

    public static string ToYaml(JsonNode document)
    {
        var stream = new YamlStream(new YamlDocument(ToYamlNode(document)));
        using var writer = new StringWriter { NewLine = "\n" };
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();

        // YamlStream ends a document with '...'; a single document reads better without it.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static YamlNode ToYamlNode(JsonNode? node) => node switch
    {
        JsonObject obj => new YamlMappingNode(obj.Select(p => new KeyValuePair<YamlNode, YamlNode>(Key(p.Key), ToYamlNode(p.Value)))),
        JsonArray array => Sequence(array),
        JsonValue value when value.GetValueKind() == JsonValueKind.String =>
            new YamlScalarNode(value.GetValue<string>()) { Style = ScalarStyle.DoubleQuoted },
        JsonValue value => new YamlScalarNode(value.ToJsonString()) { Style = ScalarStyle.Plain },
        _ => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
    };

    private static YamlSequenceNode Sequence(JsonArray array)
    {
        var sequence = new YamlSequenceNode(array.Select(ToYamlNode));
        if (array.Count == 0)
        {
            sequence.Style = SequenceStyle.Flow;
        }

        return sequence;
    }

    /// <summary>Keys such as '$ref', '/orders/{id}' or '200' are quoted so that no reader takes them for anything but text.</summary>
    private static YamlScalarNode Key(string key) =>
        new(key) { Style = key.All(c => char.IsAsciiLetter(c) || c is '-' or '_') ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
}
