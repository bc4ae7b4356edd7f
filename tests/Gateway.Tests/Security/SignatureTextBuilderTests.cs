using System.Security.Cryptography;
using System.Text;
using Gateway.BackendSignature;
using Gateway.Frontend.Security.Signature;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Security;

/// <summary>
/// The pooled string-to-sign writer the gateway signs and checks every call with gives exactly the text (and HMAC) of
/// the scheme as docs/SIGNATURE.md writes it, here written out plainly (sorted dictionary, parsed lists) as the
/// reference, on the inputs where a shortcut could differ.
/// </summary>
public sealed class SignatureTextBuilderTests
{
    public static TheoryData<string, string?> Queries => new()
    {
        { "?a=1&a=2&b", null },
        { "?x=%20y&y=a+b&z=%2B", null },
        { "b=2&A=1&_=3&a=0", null },
        { "", null },
        { "?", null },
        { "?&&", null },
        { "?=x&==&a==b", null },
        { "?%61=decoded-name&a=plain", null },
        { "?bad=%zz&pct=100%&e=%C3%A9", null },
        { "?k&k=v&k=", null },
        { "?a=query&b=q", "a=form&a=second&c=" },
        { "?q=1", "q=%2B+x&r" },
        { "", "only=form&only=twice" },
        { "?é=1&e=2&E=3", "ä=x" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void Path_and_parameters_from_the_raw_query_are_the_reference_text(string query, string? form)
    {
        var formPairs = form is null ? null : CaSignatureText.ParseParameters(form);
        var text = new SignatureTextBuilder(16);
        try
        {
            text.AddQuery(query);
            if (formPairs is not null)
            {
                text.AddParameters(formPairs, fromForm: true);
            }

            text.AppendPathAndParameters("/p/ä");
            Assert.Equal(Reference("/p/ä", ReferenceParse(query), form is null ? null : ReferenceParse(form)), text.ToString());
        }
        finally
        {
            text.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public void Path_and_parameters_from_parsed_lists_are_the_reference_text(string query, string? form) =>
        Assert.Equal(
            Reference("/p", ReferenceParse(query), form is null ? null : ReferenceParse(form)),
            CaSignatureText.PathAndParameters("/p", CaSignatureText.ParseParameters(query), form is null ? null : CaSignatureText.ParseParameters(form)));

    [Fact]
    public void A_text_longer_than_the_first_buffer_grows_and_signs_like_the_string()
    {
        var query = "?" + string.Join('&', Enumerable.Range(0, 300).Select(i => $"p{i % 97}={i}"));
        var text = new SignatureTextBuilder(8);
        try
        {
            text.Append("GET\n");
            text.AddQuery(query);
            text.AppendPathAndParameters("/long");
            var expected = "GET\n" + Reference("/long", ReferenceParse(query), null);
            Assert.Equal(expected, text.ToString());

            Span<byte> mac = stackalloc byte[32];
            Assert.Equal(32, text.Sign("HmacSHA256", new HmacKey("k"u8), mac));
            Assert.Equal(HMACSHA256.HashData("k"u8.ToArray(), Encoding.UTF8.GetBytes(expected)), mac.ToArray());
            Assert.Equal(20, text.Sign("HmacSHA1", new HmacKey("k"u8), mac));
        }
        finally
        {
            text.Dispose();
        }
    }

    [Theory]
    [InlineData("X-Ca-Key,X-Ca-Timestamp,X-Ca-Nonce")]
    [InlineData(" x-ca-timestamp , X-Ca-Key,,X-CA-KEY,Accept,content-md5,X-Ca-Signature,Date,X-Custom ")]
    [InlineData("Z-Last,a-lower,A-Upper,X-Missing")]
    [InlineData("")]
    [InlineData(null)]
    public void The_headers_block_read_from_the_list_is_the_reference_block(string? list)
    {
        var headers = new HeaderDictionary
        {
            ["X-Ca-Key"] = "key-1",
            ["X-Ca-Timestamp"] = "1700000000000",
            ["X-Ca-Nonce"] = "n-1",
            ["X-Custom"] = new(["one", "two"]),
            ["Z-Last"] = "z",
            ["a-lower"] = "a",
            ["Accept"] = "application/json",
        };
        AssertHeadersWrittenAsTheReferenceBuilds(list, headers);
    }

    [Fact]
    public void A_list_of_more_names_than_the_fast_way_holds_gives_the_reference_block()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"X-H{i:D2}").ToList();
        var headers = new HeaderDictionary();
        foreach (var name in names)
        {
            headers[name] = name.ToLowerInvariant();
        }

        var list = string.Join(',', Enumerable.Reverse(names));
        AssertHeadersWrittenAsTheReferenceBuilds(list, headers);
    }

    [Fact]
    public void The_backend_string_to_sign_writes_lower_case_names_in_the_order_of_the_names_as_listed() =>
        Assert.Equal(
            "POST\nmd5\nx-ca-key:k\nx-ca-request-id:r\nx-ca-stage:RELEASE\n/p?a=1",
            BackendSigner.StringToSign("post", "md5", [new("X-Ca-Request-Id", "r"), new("X-Ca-Stage", "RELEASE"), new("X-Ca-Key", "k")], "/p?a=1"));

    /// <summary>The signed-headers block the pooled writer writes for <paramref name="list"/> is the one the plain builder makes.</summary>
    private static void AssertHeadersWrittenAsTheReferenceBuilds(string? list, HeaderDictionary headers)
    {
        var reference = ClientSignatureText.Build(
            "GET", null, null, null, null,
            ClientSignatureText.SignedHeaderNames(list).Select(n => new KeyValuePair<string, string>(n, headers[n].ToString())),
            "/p");

        var text = new SignatureTextBuilder(16);
        try
        {
            ClientSignatureText.WriteStart(ref text, "GET", null, null, null, null);
            ClientSignatureText.WriteHeaders(ref text, list, headers);
            text.Append("/p");
            Assert.Equal(reference, text.ToString());
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>The scheme's parameter text as written before the pooled writer: a sorted dictionary of first values.</summary>
    private static string Reference(string path, List<KeyValuePair<string, string>> query, List<KeyValuePair<string, string>>? form)
    {
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in query)
        {
            merged.TryAdd(name, value);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in form ?? [])
        {
            if (seen.Add(name))
            {
                merged[name] = value;
            }
        }

        return merged.Count == 0 ? path : path + "?" + string.Join('&', merged.Select(p => p.Value.Length > 0 ? $"{p.Key}={p.Value}" : p.Key));
    }

    /// <summary>Form rules written out plainly: split on '&amp;', the name before the first '=', '+' and '%XX' decoded, empty names dropped.</summary>
    private static List<KeyValuePair<string, string>> ReferenceParse(string text)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var pair in text.TrimStart('?').Split('&'))
        {
            if (pair.Length == 0)
            {
                continue;
            }

            var equals = pair.IndexOf('=');
            var name = Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).Replace('+', ' '));
            if (name.Length > 0)
            {
                result.Add(new(name, equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '))));
            }
        }

        return result;
    }
}
