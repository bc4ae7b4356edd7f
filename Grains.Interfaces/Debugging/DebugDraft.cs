using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Catalog;

namespace Gateway.Debugging;

/// <summary>
/// Names the unpublished draft a debug call is for: the API's id and the draft's digest, in the request header
/// <see cref="Header"/>, which the debug ticket covers. The frontend reads the draft from the catalog and calls it only
/// when its digest is still this one, so a call runs exactly the draft the admin host was asked about.
/// </summary>
public static class DebugDraft
{
    /// <summary>The request header: "{api id} {digest}". The frontend never forwards it to a backend.</summary>
    public const string Header = "X-Ca-Debug-Draft";

    /// <summary>SHA-256 of the definition's JSON, hex: the same on the admin host and the frontends, which run the same code.</summary>
    public static string Digest(ApiDefinition draft) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(draft)));

    public static string Value(string apiId, string digest) => $"{apiId} {digest}";

    public static bool TryParse(string? value, [NotNullWhen(true)] out string? apiId, [NotNullWhen(true)] out string? digest)
    {
        var space = value?.IndexOf(' ') ?? -1;
        apiId = space > 0 ? value![..space] : null;
        digest = space > 0 ? value![(space + 1)..] : null;
        return apiId is not null && digest is { Length: 64 };
    }
}
