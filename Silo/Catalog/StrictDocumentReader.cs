using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Gateway.Catalog;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gateway.Silo.Catalog;

/// <summary>
/// Reads JSON and YAML documents by the same strict rules: duplicate keys refused, field names exactly as
/// documented, and every unknown field and wrongly typed value reported at once with its path
/// (<c>apis[3].backendPath</c>). Bounds are enforced while the text is parsed, before any object is built, so
/// that an oversized document costs at most <see cref="MaxValues"/> parser events.
/// </summary>
internal static class StrictDocumentReader
{
    /// <summary>Every mapping, list and scalar counts as one value.</summary>
    public const int MaxValues = 200_000;

    /// <summary>Mappings and lists nested deeper than this are refused.</summary>
    public const int MaxDepth = 32;

    /// <summary>Reporting stops here: past this many problems the document is not worth reading further.</summary>
    private const int MaxErrors = 100;

    /// <summary>
    /// Reads the text as <typeparamref name="T"/>. False when there are problems; <paramref name="value"/> then
    /// still holds what could be read without the faulty fields (null when the text is not readable at all), so
    /// that a caller can add the validation problems of the rest to the same answer.
    /// </summary>
    public static bool TryRead<T>(string text, bool yaml, JsonSerializerOptions options, out T? value, out List<CatalogError> errors)
        where T : class
    {
        value = null;
        errors = [];
        Node? root;
        try
        {
            root = yaml ? YamlTree.Read(text) : JsonTree.Read(text);
        }
        catch (DocumentTooLargeException e)
        {
            errors.Add(new("", "TooLarge", e.Message));
            return false;
        }
        catch (DocumentSyntaxException e)
        {
            errors.Add(new(e.Path, e.Code, e.Message));
            return false;
        }
        catch (YamlException e)
        {
            var detail = e.InnerException?.Message ?? e.Message;
            errors.Add(new("", "BadSyntax", $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {detail}"));
            return false;
        }
        catch (JsonException e)
        {
            errors.Add(new("", "BadSyntax", $"invalid JSON at line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: {Plain(e.Message)}"));
            return false;
        }

        if (root is null or Scalar { Kind: ScalarKind.Null })
        {
            errors.Add(new("", "Empty", "the body holds no document"));
            return false;
        }

        var json = new SchemaWalker(options, errors).Convert(root, typeof(T), "");
        var faulty = errors.Count > 0;
        try
        {
            value = json.Deserialize<T>(options);
        }
        catch (JsonException e)
        {
            value = null;
            if (!faulty)
            {
                errors.Add(new(DocumentPath(e.Path), "BadValue", "the value cannot be read"));
            }

            return false;
        }

        if (value is null && !faulty)
        {
            errors.Add(new("", "Empty", "the body holds no document"));
        }

        return !faulty && value is not null;
    }

    /// <summary>Turns System.Text.Json's '$.apis[3].path' into 'apis[3].path'.</summary>
    private static string DocumentPath(string? path) => (path ?? "$").TrimStart('$').TrimStart('.');

    /// <summary>System.Text.Json's messages name .NET types; keep the part before the first 'Path:' and drop type names.</summary>
    private static string Plain(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    // ---- The parsed tree: what both syntaxes have in common. ----

    private enum ScalarKind
    {
        /// <summary>A quoted YAML scalar or a JSON string: always text.</summary>
        String,

        /// <summary>A plain YAML scalar: text, a number or a boolean, as the field needs.</summary>
        Plain,
        Number,
        Boolean,
        Null,
    }

    private abstract class Node;

    private sealed class Mapping : Node
    {
        public List<KeyValuePair<string, Node>> Entries { get; } = [];

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Sequence : Node
    {
        public List<Node> Items { get; } = [];
    }

    private sealed class Scalar(string text, ScalarKind kind) : Node
    {
        public string Text { get; } = text;
        public ScalarKind Kind { get; } = kind;
    }

    private sealed class DocumentTooLargeException(string message) : Exception(message);

    private sealed class DocumentSyntaxException(string path, string code, string message) : Exception(message)
    {
        public string Path { get; } = path;
        public string Code { get; } = code;
    }

    /// <summary>Counts values and depth while a tree is built.</summary>
    private sealed class Budget
    {
        private int _values;

        public void Count(int depth)
        {
            if (++_values > MaxValues)
            {
                throw new DocumentTooLargeException($"the document holds more than {MaxValues} values (every mapping, list and scalar counts)");
            }

            if (depth > MaxDepth)
            {
                throw new DocumentTooLargeException($"the document nests more than {MaxDepth} levels deep");
            }
        }
    }

    private static void AddEntry(Mapping mapping, string key, Node value, string path)
    {
        if (!mapping.Keys.Add(key))
        {
            throw new DocumentSyntaxException(Join(path, key), "DuplicateKey", $"'{key}' appears twice in the same mapping");
        }

        mapping.Entries.Add(new(key, value));
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Index(string path, int index) => $"{path}[{index}]";

    /// <summary>JSON through <see cref="Utf8JsonReader"/>: no object is built for a document past the bounds.</summary>
    private static class JsonTree
    {
        public static Node? Read(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth + 2, CommentHandling = JsonCommentHandling.Disallow });
            var budget = new Budget();
            if (!reader.Read())
            {
                return null;
            }

            var root = ReadValue(ref reader, budget, "", 0);
            if (reader.Read())
            {
                throw new DocumentSyntaxException("", "BadSyntax", "invalid JSON: more than one value in the body");
            }

            return root;
        }

        private static Node ReadValue(ref Utf8JsonReader reader, Budget budget, string path, int depth)
        {
            budget.Count(depth);
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    var mapping = new Mapping();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        var key = reader.GetString()!;
                        reader.Read();
                        AddEntry(mapping, key, ReadValue(ref reader, budget, Join(path, key), depth + 1), path);
                    }

                    return mapping;
                case JsonTokenType.StartArray:
                    var sequence = new Sequence();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        sequence.Items.Add(ReadValue(ref reader, budget, Index(path, sequence.Items.Count), depth + 1));
                    }

                    return sequence;
                case JsonTokenType.String:
                    return new Scalar(reader.GetString()!, ScalarKind.String);
                case JsonTokenType.Number:
                    return new Scalar(Encoding.UTF8.GetString(reader.ValueSpan), ScalarKind.Number);
                case JsonTokenType.True:
                case JsonTokenType.False:
                    return new Scalar(reader.TokenType == JsonTokenType.True ? "true" : "false", ScalarKind.Boolean);
                default:
                    return new Scalar("", ScalarKind.Null);
            }
        }
    }

    /// <summary>YAML through the parser's events: anchors, aliases and several documents are refused (an alias can multiply a document's size).</summary>
    private static class YamlTree
    {
        public static Node? Read(string text)
        {
            var parser = new Parser(new StringReader(text));
            var budget = new Budget();
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadValue(parser, budget, "", 0);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new DocumentSyntaxException("", "BadSyntax", "invalid YAML: the body holds more than one document");
            }

            return root;
        }

        private static Node ReadValue(IParser parser, Budget budget, string path, int depth)
        {
            budget.Count(depth);
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                throw new DocumentSyntaxException(path, "BadSyntax", $"invalid YAML at line {alias.Start.Line}: aliases (*{alias.Value}) are not supported");
            }

            if (parser.TryConsume<MappingStart>(out _))
            {
                var mapping = new Mapping();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyEvent = parser.Current;
                    if (!parser.TryConsume<YamlDotNet.Core.Events.Scalar>(out var key))
                    {
                        throw new DocumentSyntaxException(path, "BadSyntax", $"invalid YAML at line {keyEvent?.Start.Line}: a key must be plain text");
                    }

                    AddEntry(mapping, key.Value, ReadValue(parser, budget, Join(path, key.Value), depth + 1), path);
                }

                return mapping;
            }

            if (parser.TryConsume<SequenceStart>(out _))
            {
                var sequence = new Sequence();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    sequence.Items.Add(ReadValue(parser, budget, Index(path, sequence.Items.Count), depth + 1));
                }

                return sequence;
            }

            var scalar = parser.Consume<YamlDotNet.Core.Events.Scalar>();
            if (scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL")
            {
                return new Scalar("", ScalarKind.Null);
            }

            return new Scalar(scalar.Value, scalar.Style == ScalarStyle.Plain ? ScalarKind.Plain : ScalarKind.String);
        }
    }

    /// <summary>
    /// Walks the tree along the target type's JSON contract, building the JSON the serializer reads and listing
    /// every field that does not exist and every value of the wrong kind.
    /// </summary>
    private sealed class SchemaWalker(JsonSerializerOptions options, List<CatalogError> errors)
    {
        public JsonNode? Convert(Node node, Type type, string path)
        {
            if (errors.Count >= MaxErrors)
            {
                return null;
            }

            var nullable = Nullable.GetUnderlyingType(type);
            if (node is Scalar { Kind: ScalarKind.Null })
            {
                if (type.IsValueType && nullable is null)
                {
                    Add(path, "WrongType", $"must be {Describe(type)}, not empty");
                }

                return null;
            }

            type = nullable ?? type;
            var info = options.GetTypeInfo(type);
            return info.Kind switch
            {
                JsonTypeInfoKind.Object => ConvertObject(node, info, path),
                JsonTypeInfoKind.Enumerable => ConvertList(node, info.ElementType!, path),
                JsonTypeInfoKind.Dictionary => ConvertDictionary(node, info.ElementType!, path),
                _ => ConvertScalar(node, type, path),
            };
        }

        private JsonObject? ConvertObject(Node node, JsonTypeInfo info, string path)
        {
            if (node is not Mapping mapping)
            {
                Add(path, "WrongType", "must be a mapping of fields (an object)");
                return null;
            }

            var result = new JsonObject();
            foreach (var (key, value) in mapping.Entries)
            {
                var property = info.Properties.FirstOrDefault(p => p.Name == key && p.Set is not null);
                if (property is null)
                {
                    var near = info.Properties.FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase) && p.Set is not null);
                    Add(Join(path, key), "UnknownField", near is not null
                        ? $"'{key}' is not a field; field names are case-sensitive: did you mean '{near.Name}'?"
                        : $"'{key}' is not a field here; the fields are {string.Join(", ", info.Properties.Where(p => p.Set is not null).Select(p => p.Name))}");
                    continue;
                }

                // A field whose own value is faulty is left out, so that the rest can still be read and validated.
                var before = errors.Count;
                var converted = Convert(value, property.PropertyType, Join(path, key));
                if (!FaultyAt(before, Join(path, key)))
                {
                    result[key] = converted;
                }
            }

            return result;
        }

        private JsonArray? ConvertList(Node node, Type element, string path)
        {
            if (node is not Sequence sequence)
            {
                Add(path, "WrongType", "must be a list");
                return null;
            }

            var result = new JsonArray();
            for (var i = 0; i < sequence.Items.Count; i++)
            {
                result.Add(Convert(sequence.Items[i], element, Index(path, i)));
            }

            return result;
        }

        private JsonObject? ConvertDictionary(Node node, Type element, string path)
        {
            if (node is not Mapping mapping)
            {
                Add(path, "WrongType", "must be a mapping");
                return null;
            }

            var result = new JsonObject();
            foreach (var (key, value) in mapping.Entries)
            {
                var before = errors.Count;
                var converted = Convert(value, element, Join(path, key));
                if (!FaultyAt(before, Join(path, key)))
                {
                    result[key] = converted;
                }
            }

            return result;
        }

        private JsonNode? ConvertScalar(Node node, Type type, string path)
        {
            if (node is not Scalar scalar)
            {
                Add(path, "WrongType", $"must be {Describe(type)}");
                return null;
            }

            var text = scalar.Text;
            var kind = scalar.Kind;
            if (type == typeof(string))
            {
                if (kind is ScalarKind.String or ScalarKind.Plain)
                {
                    return JsonValue.Create(text);
                }
            }
            else if (type == typeof(bool))
            {
                if (kind is ScalarKind.Boolean or ScalarKind.Plain && bool.TryParse(text, out var flag))
                {
                    return JsonValue.Create(flag);
                }
            }
            else if (type.IsEnum)
            {
                if (kind is ScalarKind.String or ScalarKind.Plain && !int.TryParse(text, out _) && Enum.TryParse(type, text, ignoreCase: true, out var named))
                {
                    return JsonValue.Create(named.ToString());
                }

                Add(path, "WrongType", $"'{text}' is not one of {string.Join(", ", Enum.GetNames(type))}");
                return null;
            }
            else if (IsNumber(type))
            {
                if (kind is ScalarKind.Number or ScalarKind.Plain && FitsNumber(type, text, out var number))
                {
                    return number;
                }
            }
            else if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
            {
                if (kind is ScalarKind.String or ScalarKind.Plain && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    return JsonValue.Create(at);
                }
            }
            else if (kind is ScalarKind.String or ScalarKind.Plain)
            {
                // Any other scalar type reads from text; the serializer has the last word.
                return JsonValue.Create(text);
            }

            Add(path, "WrongType", $"{Quote(scalar)} must be {Describe(type)}");
            return null;
        }

        private static bool IsNumber(Type type) =>
            type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(decimal) || type == typeof(float);

        private static bool FitsNumber(Type type, string text, out JsonNode? number)
        {
            number = null;
            var style = NumberStyles.Integer;
            var invariant = CultureInfo.InvariantCulture;
            if (type == typeof(int) && int.TryParse(text, style, invariant, out var i))
            {
                number = JsonValue.Create(i);
            }
            else if (type == typeof(long) && long.TryParse(text, style, invariant, out var l))
            {
                number = JsonValue.Create(l);
            }
            else if ((type == typeof(double) || type == typeof(float)) && double.TryParse(text, NumberStyles.Float, invariant, out var d) && double.IsFinite(d))
            {
                number = JsonValue.Create(d);
            }
            else if (type == typeof(decimal) && decimal.TryParse(text, NumberStyles.Float, invariant, out var m))
            {
                number = JsonValue.Create(m);
            }

            return number is not null;
        }

        private static string Quote(Scalar scalar) => scalar.Kind == ScalarKind.String ? $"'{Truncate(scalar.Text)}' (text)" : $"'{Truncate(scalar.Text)}'";

        private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

        private static string Describe(Type type) =>
            type == typeof(string) ? "text"
            : type == typeof(bool) ? "true or false"
            : type == typeof(int) || type == typeof(long) ? "a whole number"
            : type == typeof(double) || type == typeof(float) || type == typeof(decimal) ? "a number"
            : type == typeof(DateTimeOffset) || type == typeof(DateTime) ? "a date and time (ISO 8601, such as 2026-01-31T12:00:00Z)"
            : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}"
            : "a value of another kind";

        /// <summary>Whether a problem was found since <paramref name="before"/> at <paramref name="path"/> itself, not deeper down.</summary>
        private bool FaultyAt(int before, string path) => errors.Skip(before).Any(e => e.Path == path);

        private void Add(string path, string code, string message)
        {
            if (errors.Count < MaxErrors)
            {
                errors.Add(new(path, code, message));
            }
        }
    }
}
