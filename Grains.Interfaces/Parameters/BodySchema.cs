using Json.Schema;

namespace Gateway.Parameters;

/// <summary>Builds the JSON Schema of a BODY parameter, the same way for the catalog validator and the frontend.</summary>
public static class BodySchema
{
    /// <summary>Parses and builds a schema; throws when the text is not a usable schema.</summary>
    /// <remarks>
    /// Each schema gets a registry of its own: schemas are rebuilt with every catalog revision, and registering
    /// them in the library's global registry would keep every old one alive.
    /// </remarks>
    public static JsonSchema Parse(string text) =>
        JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
}
