using System.Text.Json;

namespace Gateway.Security;

/// <summary>Checks the shape of an inline JWKS, so that a typo is refused when configured rather than at the first request.</summary>
public static class JwksDocument
{
    public static List<string> Check(string json)
    {
        var problems = new List<string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            problems.Add($"not JSON: {e.Message}");
            return problems;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                problems.Add("must be an object with a 'keys' array");
                return problems;
            }

            var i = 0;
            foreach (var key in keys.EnumerateArray())
            {
                var where = $"keys[{i++}]";
                if (key.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{where} is not an object");
                    continue;
                }

                var kty = Text(key, "kty");
                string[] needed = kty switch
                {
                    "RSA" => ["n", "e"],
                    "EC" => ["crv", "x", "y"],
                    _ => [],
                };
                if (needed.Length == 0)
                {
                    problems.Add($"{where} has kty '{kty}'; only RSA and EC signing keys are used");
                }

                problems.AddRange(needed.Where(n => string.IsNullOrEmpty(Text(key, n))).Select(n => $"{where} lacks '{n}'"));
                if (kty == "EC" && Text(key, "crv") is { } crv && crv != "P-256")
                {
                    problems.Add($"{where} has curve '{crv}'; ES256 needs P-256");
                }

                // Private parameters in a configuration that is exported and shown would leak the provider's key.
                if (key.TryGetProperty("d", out _) || key.TryGetProperty("p", out _))
                {
                    problems.Add($"{where} holds private key material; give public keys only");
                }
            }

            if (i == 0)
            {
                problems.Add("the 'keys' array is empty");
            }
        }

        return problems;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
