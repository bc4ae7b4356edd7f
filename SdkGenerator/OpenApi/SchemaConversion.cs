using System.Text.Json.Nodes;

namespace Gateway.SdkGenerator.OpenApi;

/// <summary>
/// Turns an API's JSON Schema (any draft) into an OpenAPI 3.0 Schema Object, which is a subset of JSON Schema
/// draft 5 with its own 'nullable': keywords 3.0 lacks are rewritten where an equivalent exists ('const',
/// a type list with "null", 'examples') and dropped otherwise, so that the document stays valid.
/// </summary>
internal static class SchemaConversion
{
    private static readonly HashSet<string> Kept =
    [
        "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
        "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required", "enum",
        "type", "description", "format", "default", "nullable", "readOnly", "writeOnly", "example", "deprecated",
    ];

    private static readonly HashSet<string> Types = ["string", "number", "integer", "boolean", "array", "object"];

    public static JsonObject Convert(string? schemaText)
    {
        if (string.IsNullOrWhiteSpace(schemaText))
        {
            return new JsonObject();
        }

        try
        {
            return JsonNode.Parse(schemaText) is JsonObject schema ? Convert(schema) : new JsonObject();
        }
        catch (System.Text.Json.JsonException)
        {
            // The catalog validates schemas on save; an unreadable one documents as "any JSON".
            return new JsonObject();
        }
    }

    private static JsonObject Convert(JsonObject source)
    {
        var target = new JsonObject();
        foreach (var (key, value) in source)
        {
            if (value is null)
            {
                continue;
            }

            switch (key)
            {
                case "type":
                    ConvertType(value, target);
                    break;
                case "const":
                    target["enum"] = new JsonArray(value.DeepClone());
                    break;
                case "examples" when value is JsonArray { Count: > 0 } examples:
                    target["example"] = examples[0]!.DeepClone();
                    break;
                case "exclusiveMinimum" or "exclusiveMaximum" when value is JsonValue v && v.TryGetValue<double>(out var bound):
                    // Draft 6+ writes the bound itself; 3.0 wants the bound in minimum/maximum and a flag.
                    target[key == "exclusiveMinimum" ? "minimum" : "maximum"] = bound;
                    target[key] = true;
                    break;
                case "properties" when value is JsonObject properties:
                    var converted = new JsonObject();
                    foreach (var (name, property) in properties)
                    {
                        converted[name] = property is JsonObject p ? Convert(p) : new JsonObject();
                    }

                    target["properties"] = converted;
                    break;
                case "items" when value is JsonObject items:
                    target["items"] = Convert(items);
                    break;
                case "additionalProperties":
                    target[key] = value is JsonObject extra ? Convert(extra) : value.DeepClone();
                    break;
                case "allOf" or "anyOf" or "oneOf" when value is JsonArray list:
                    target[key] = new JsonArray([.. list.OfType<JsonObject>().Select(s => (JsonNode)Convert(s))]);
                    break;
                case "not" when value is JsonObject not:
                    target[key] = Convert(not);
                    break;
                default:
                    if (Kept.Contains(key) && !target.ContainsKey(key))
                    {
                        target[key] = value.DeepClone();
                    }

                    break;
            }
        }

        // 3.0 requires 'items' beside type array.
        if (target["type"]?.GetValue<string>() == "array" && !target.ContainsKey("items"))
        {
            target["items"] = new JsonObject();
        }

        return target;
    }

    private static void ConvertType(JsonNode value, JsonObject target)
    {
        var names = value is JsonArray list ? list.Select(t => t?.ToString()).ToList() : [value.ToString()];
        if (names.Remove("null"))
        {
            target["nullable"] = true;
        }

        var real = names.Where(n => n is not null && Types.Contains(n)).ToList();
        if (real.Count == 1)
        {
            target["type"] = real[0];
        }
    }
}
