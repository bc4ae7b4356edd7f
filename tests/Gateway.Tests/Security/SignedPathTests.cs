using Gateway.BackendSignature;

namespace Gateway.Tests.Security;

/// <summary>
/// The path the backend signature covers is the path as the receiving server decodes it: every escape but an escaped
/// slash (BackendSignatureTests checks it against a real ASP.NET Core backend).
/// </summary>
public sealed class SignedPathTests
{
    [Theory]
    [InlineData("/v1/orders/42", "/v1/orders/42")]
    [InlineData("/v1/caf%C3%A9%20x", "/v1/café x")]
    [InlineData("/v1/a%2Fb", "/v1/a%2Fb")]
    [InlineData("/v1/a%2fb%2F%C3%A9%2F", "/v1/a%2fb%2Fé%2F")]
    [InlineData("/v1/a%252Fb", "/v1/a%2Fb")]
    [InlineData("/v1/x%FF%25", "/v1/x%FF%")]
    [InlineData("/v1/100%", "/v1/100%")]
    public void Decodes_every_escape_but_a_slash(string encoded, string signed) =>
        Assert.Equal(signed, CaSignatureText.DecodePath(encoded));
}
