using System.Net;

namespace Gateway.Tests.Security;

/// <summary>Assertions on the gateway's own error answers.</summary>
public static class GatewayAssert
{
    /// <summary>The status, the X-Ca-Error-Code header, the same code in the JSON body, and optionally words of the message.</summary>
    public static async Task Refused(HttpResponseMessage response, HttpStatusCode status, string code, string? messageContains = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(code, response.Headers.GetValues("X-Ca-Error-Code").Single());
        var error = System.Text.Json.JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, error.GetProperty("errorCode").GetString());
        if (messageContains is not null)
        {
            Assert.Contains(messageContains, response.Headers.GetValues("X-Ca-Error-Message").Single());
        }
    }
}
