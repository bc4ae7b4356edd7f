using System.Text;
using Gateway.BackendSignature;
using Gateway.Frontend.Security.Signature;

namespace Gateway.Tests.Security;

/// <summary>Every published vector: the gateway's string-to-sign and signature are exactly the published ones.</summary>
public sealed class SignatureVectorTests
{
    [Fact]
    public void The_vector_file_holds_client_and_backend_vectors()
    {
        Assert.True(SignatureVectors.Client.Count >= 9);
        Assert.True(SignatureVectors.Backend.Count >= 2);
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.ClientNames), MemberType = typeof(SignatureVectors))]
    public void Client_vector_string_to_sign_and_signature(string name)
    {
        var vector = SignatureVectors.ClientNamed(name);
        var url = new Uri(vector.Url);
        var contentType = vector.Header("Content-Type");
        var form = CaSignatureText.IsForm(contentType) ? CaSignatureText.ParseParameters(vector.Body) : null;
        var signed = ClientSignatureText.SignedHeaderNames(vector.Header("X-Ca-Signature-Headers"))
            .Select(h => new KeyValuePair<string, string>(h, vector.Header(h) ?? ""));

        var stringToSign = ClientSignatureText.Build(
            vector.Method,
            vector.Header("Accept"),
            vector.Header("Content-MD5"),
            contentType,
            vector.Header("Date"),
            signed,
            CaSignatureText.PathAndParameters(Uri.UnescapeDataString(url.AbsolutePath), CaSignatureText.ParseParameters(url.Query), form));

        Assert.Equal(vector.StringToSign, stringToSign);
        Assert.Equal(vector.Signature, CaSignatureText.Sign(vector.Algorithm, vector.Secret, stringToSign));
        if (form is not null)
        {
            Assert.Equal(vector.Form!.OrderBy(p => p.Key), form.OrderBy(p => p.Key));
        }

        if (vector.Header("Content-MD5") is { } md5)
        {
            Assert.Equal(md5, CaSignatureText.BodyMd5(Encoding.UTF8.GetBytes(vector.Body!)));
        }
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.BackendNames), MemberType = typeof(SignatureVectors))]
    public void Backend_vector_string_to_sign_signature_and_verification(string name)
    {
        var vector = SignatureVectors.BackendNamed(name);
        var signedNames = vector.Headers[BackendSigner.SignedHeadersHeader].Split(',');
        var body = Encoding.UTF8.GetBytes(vector.Body);
        var stringToSign = BackendSigner.StringToSign(
            vector.Method,
            BackendSigner.BodyMd5(vector.Method, "application/json", body),
            signedNames.Select(n => new KeyValuePair<string, string>(n, vector.Headers[n])),
            CaSignatureText.PathAndParameters(vector.Path, vector.Params));

        Assert.Equal(vector.StringToSign, stringToSign);
        Assert.Equal(vector.Signature, BackendSigner.Sign(vector.Secret, stringToSign));

        // The backend helper accepts the vector's request as a backend receives it: parameters in the query.
        var query = "?" + string.Join('&', vector.Params.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        var headers = new Dictionary<string, string>(vector.Headers, StringComparer.OrdinalIgnoreCase)
        {
            [BackendSigner.SignatureHeader] = vector.Signature,
        };
        var verifier = new BackendSignatureVerifier(new Dictionary<string, string> { [vector.SecretKeyName] = vector.Secret });
        var result = verifier.Verify(vector.Method, vector.Path, query, "application/json", body, n => headers.GetValueOrDefault(n));
        Assert.Equal(BackendSignatureStatus.Valid, result.Status);
        Assert.Equal(vector.StringToSign, result.StringToSign);

        // One changed header value, or another secret, and it is refused.
        var tampered = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase) { [signedNames[0]] = "tampered" };
        Assert.Equal(BackendSignatureStatus.Mismatch, verifier.Verify(vector.Method, vector.Path, query, "application/json", body, n => tampered.GetValueOrDefault(n)).Status);
        var wrongSecret = new BackendSignatureVerifier(new Dictionary<string, string> { [vector.SecretKeyName] = "another-secret-0123456789" });
        Assert.Equal(BackendSignatureStatus.Mismatch, wrongSecret.Verify(vector.Method, vector.Path, query, "application/json", body, n => headers.GetValueOrDefault(n)).Status);
        var otherName = new BackendSignatureVerifier(new Dictionary<string, string> { ["other"] = vector.Secret });
        Assert.Equal(BackendSignatureStatus.UnknownKey, otherName.Verify(vector.Method, vector.Path, query, "application/json", body, n => headers.GetValueOrDefault(n)).Status);
    }

    [Fact]
    public void The_published_demo_verifies_with_its_params_as_a_form_body()
    {
        // The demo's FormKey parameters travel in a form body, QueryKey parameters in the query.
        var vector = SignatureVectors.BackendNamed("published-demo");
        var headers = new Dictionary<string, string>(vector.Headers, StringComparer.OrdinalIgnoreCase) { [BackendSigner.SignatureHeader] = vector.Signature };
        var verifier = new BackendSignatureVerifier(new Dictionary<string, string> { [vector.SecretKeyName] = vector.Secret });
        var body = Encoding.UTF8.GetBytes("FormKey1=FormValue1&FormKey2=FormValue2");
        var result = verifier.Verify("POST", "/demo/uri", "?QueryKey1=QueryValue1&QueryKey2=QueryValue2", "application/x-www-form-urlencoded; charset=utf-8", body, n => headers.GetValueOrDefault(n));
        Assert.Equal(BackendSignatureStatus.Valid, result.Status);
    }

    [Theory]
    [InlineData("?a=1&a=2&b", "/p?a=1&b")]
    [InlineData("?x=%20y&y=a+b", "/p?x= y&y=a b")]
    [InlineData("?b=2&A=1&_=3", "/p?A=1&_=3&b=2")]
    [InlineData("", "/p")]
    [InlineData("?&&", "/p")]
    public void Query_parameters_by_form_rules_first_value_ordinal_order(string query, string expected) =>
        Assert.Equal(expected, CaSignatureText.PathAndParameters("/p", CaSignatureText.ParseParameters(query)));

    [Fact]
    public void A_form_value_wins_over_a_query_value_of_the_same_name() =>
        Assert.Equal("/p?a=form&b=q", CaSignatureText.PathAndParameters("/p", CaSignatureText.ParseParameters("?a=query&b=q"), CaSignatureText.ParseParameters("a=form&a=second")));

    [Theory]
    [InlineData("application/x-www-form-urlencoded", true)]
    [InlineData("application/x-www-form-urlencoded; charset=utf-8", true)]
    [InlineData("Application/X-WWW-Form-Urlencoded;charset=UTF-8", true)]
    [InlineData("application/x-www-form-urlencodedx", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Form_content_types(string? contentType, bool isForm) => Assert.Equal(isForm, CaSignatureText.IsForm(contentType));
}
