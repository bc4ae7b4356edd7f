using System.Text.RegularExpressions;
using Gateway.Tests.Helm;

namespace Gateway.Tests.Security;

/// <summary>
/// docs/SIGNATURE.md is what client and backend authors work from: its worked examples must be the published
/// vectors, character for character, and every gateway error code of the scheme must be explained.
/// </summary>
public sealed partial class SignatureSpecificationTests
{
    private static readonly string Specification = File.ReadAllText(Path.Combine(HelmRunner.RepoRoot, "docs", "SIGNATURE.md"));

    [Theory]
    [InlineData("get-with-query")]
    [InlineData("post-form-params-signed")]
    [InlineData("java-style-put-json")]
    [InlineData("java-style-hmacsha1")]
    public void A_worked_client_example_shows_the_vectors_string_to_sign_and_signature(string name)
    {
        var vector = SignatureVectors.ClientNamed(name);
        Assert.Contains($"vector `{name}`", Specification);
        Assert.Contains("```\n" + vector.StringToSign + "\n```", Specification);
        Assert.Contains($"`X-Ca-Signature: {vector.Signature}`", Specification);
    }

    [Fact]
    public void The_plus_and_repeated_name_example_matches_its_vectors()
    {
        var plus = SignatureVectors.ClientNamed("plus-is-space-in-query");
        Assert.Contains($"`{plus.StringToSign.Split('\n')[^1]}`", Specification);
        Assert.Contains($"`{plus.Signature}`", Specification);
        Assert.Contains($"`{SignatureVectors.ClientNamed("java-style-get").StringToSign.Split('\n')[^1]}`", Specification);
    }

    [Theory]
    [InlineData("put-json-with-system-params")]
    [InlineData("published-demo")]
    public void A_worked_backend_example_shows_the_vectors_string_to_sign_and_signature(string name)
    {
        var vector = SignatureVectors.BackendNamed(name);
        Assert.Contains($"vector `{name}`", Specification);
        Assert.Contains("```\n" + vector.StringToSign + "\n```", Specification);
        Assert.Contains(vector.Signature, Specification);
        Assert.Contains(vector.Secret, Specification);
    }

    [Fact]
    public void Every_error_code_of_the_signature_checks_is_explained()
    {
        string[] codes =
        [
            "A400MH", "A400DH", "A400EH", "A400SM", "A400TS", "A400TO", "A400TF", "A400NV", "A400SB", "A400AK",
            "A400MD", "A400IS", "A400NR", "A403AD", "A403NG", "A403GX", "S503NS",
        ];
        var rows = ErrorRow().Matches(Specification).Select(m => m.Groups["code"].Value).ToHashSet();
        Assert.All(codes, code => Assert.Contains(code, rows));
        Assert.All(codes, code => Assert.Contains(code, Gateway.Frontend.Errors.GatewayError.All.Select(e => e.Code)));
    }

    [GeneratedRegex(@"^\| \d{3} \| `(?<code>[A-Z]\d{3}[A-Z]{2})` \|", RegexOptions.Multiline)]
    private static partial Regex ErrorRow();
}
