using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gateway.Tests.Security;

/// <summary>The admin calls the security tests make: apps, keys, grants, backend signing keys. Each returns the catalog revision it made.</summary>
public static class CallerAdmin
{
    public static async Task<long> PutAppAsync(HttpClient admin, string id, string owner, bool enabled = true)
    {
        using var response = await admin.PutAsJsonAsync($"/v1/apps/{id}", new { name = $"App {id}", owner, enabled });
        return await RevisionOf(response);
    }

    public static async Task<CreatedKey> CreateKeyAsync(HttpClient admin, string appId, object? existing = null)
    {
        using var response = await admin.PostAsync($"/v1/apps/{appId}/keys", existing is null ? null : JsonContent.Create(existing));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonSerializer.Deserialize<CreatedKey>(body, JsonSerializerOptions.Web)!;
    }

    public static async Task<long> GrantAsync(HttpClient admin, string appId, string apiId, string stage = "RELEASE", DateTimeOffset? expiresAt = null)
    {
        using var response = await admin.PutAsJsonAsync($"/v1/apps/{appId}/grants/{apiId}/{stage}", new { expiresAt });
        return await RevisionOf(response);
    }

    public static async Task<long> RevokeAsync(HttpClient admin, string appId, string apiId, string stage = "RELEASE")
    {
        using var response = await admin.DeleteAsync($"/v1/apps/{appId}/grants/{apiId}/{stage}");
        return await RevisionOf(response);
    }

    public static async Task<long> PublishAsync(HttpClient admin, string apiId, string stage = "RELEASE")
    {
        using var response = await admin.PostAsync($"/v1/apis/{apiId}/stages/{stage}/publish", null);
        return await RevisionOf(response);
    }

    public static async Task<long> RevisionOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64();
    }

    public sealed record CreatedKey(string AppKey, string AppSecret, DateTimeOffset CreatedAt, long Revision);
}
