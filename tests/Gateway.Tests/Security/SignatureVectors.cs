using System.Text.Json;

namespace Gateway.Tests.Security;

/// <summary>The published X-Ca test vectors (the vectors docs/SIGNATURE.md quotes, kept with the tests).</summary>
public static class SignatureVectors
{
    private static readonly Lazy<VectorFile> File = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Security", "signature-vectors.json");
        return JsonSerializer.Deserialize<VectorFile>(System.IO.File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    });

    public static IReadOnlyList<ClientVector> Client => File.Value.Client;

    public static IReadOnlyList<BackendVector> Backend => File.Value.Backend;

    public static ClientVector ClientNamed(string name) => Client.Single(v => v.Name == name);

    public static BackendVector BackendNamed(string name) => Backend.Single(v => v.Name == name);

    public static IEnumerable<object[]> ClientNames => Client.Select(v => new object[] { v.Name });

    public static IEnumerable<object[]> BackendNames => Backend.Select(v => new object[] { v.Name });

    public sealed record VectorFile(List<ClientVector> Client, List<BackendVector> Backend);

    public sealed record ClientVector(
        string Name,
        string Method,
        string Url,
        Dictionary<string, string> Headers,
        string? Body,
        Dictionary<string, string>? Form,
        string Secret,
        string StringToSign,
        string Signature,
        string Algorithm)
    {
        /// <summary>A header by name, case-insensitively, as the gateway looks headers up.</summary>
        public string? Header(string name) =>
            Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        public override string ToString() => Name;
    }

    public sealed record BackendVector(
        string Name,
        string Method,
        string Path,
        Dictionary<string, string> Headers,
        Dictionary<string, string> Params,
        string Body,
        string SecretKeyName,
        string Secret,
        string StringToSign,
        string Signature)
    {
        public override string ToString() => Name;
    }
}
