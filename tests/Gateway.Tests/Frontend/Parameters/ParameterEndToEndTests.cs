using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Tests.Frontend.Parameters;

/// <summary>
/// Parameter checking and mapping end to end: calls through the embedded gateway to a real echo backend on
/// 127.0.0.1, which reports exactly what it received.
/// </summary>
public sealed class ParameterEndToEndTests(ParameterGatewayFixture fixture) : IClassFixture<ParameterGatewayFixture>
{
    private HttpClient Client => fixture.Client;

    private static Dictionary<string, Microsoft.Extensions.Primitives.StringValues> QueryOf(EchoResponse echo) => QueryHelpers.ParseQuery(echo.Query);

    [Fact]
    public async Task A_call_that_obeys_every_rule_reaches_the_backend_untouched()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/p/checks/1000?q=abcde&n=-3&tags=a&tags=c&ratio=1&big=9223372036854775807&f=2.5&extra=kept");
        request.Headers.Add("X-Flag", "TRUE");
        using var response = await Client.SendAsync(request);
        var echo = await ParameterGatewayFixture.EchoAsync(response);
        Assert.Equal("/checks/1000?q=abcde&n=-3&tags=a&tags=c&ratio=1&big=9223372036854775807&f=2.5&extra=kept", echo.RawTarget);
        Assert.Equal("TRUE", echo.Headers["x-flag"]);
    }

    [Fact]
    public async Task Every_violation_is_named_in_one_400_before_the_backend_is_called()
    {
        var before = fixture.Backend.Requests;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/p/checks/0?q=A&tags=a&tags=d&ratio=1.5&big=9223372036854775808&f=x&n=1&n=2");
        request.Headers.Add("X-Flag", "yes");
        using var response = await Client.SendAsync(request);
        var body = await ParameterGatewayFixture.ErrorAsync(response, 400, "A400IP");
        var violations = body.GetProperty("violations").EnumerateArray()
            .Select(Named)
            .ToList();
        Assert.Equal(
            [
                ("id", "PATH", "minimum"),
                ("q", "QUERY", "minLength"),
                ("q", "QUERY", "pattern"),
                ("n", "QUERY", "single"),
                ("X-Flag", "HEADER", "type"),
                ("tags", "QUERY", "enum"),
                ("ratio", "QUERY", "maximum"),
                ("big", "QUERY", "type"),
                ("f", "QUERY", "type"),
            ],
            violations);
        Assert.Equal("'d'", "'" + body.GetProperty("violations")[5].GetProperty("value").GetString() + "'");
        Assert.Contains("id (PATH) minimum: '0' is less than 1", response.Headers.GetValues("X-Ca-Error-Message").Single(), StringComparison.Ordinal);
        Assert.True(response.Headers.Contains("X-Ca-Request-Id"));
        Assert.Equal(before, fixture.Backend.Requests);
    }

    [Fact]
    public async Task A_missing_required_parameter_is_named()
    {
        using var response = await Client.GetAsync("/p/checks/5");
        var body = await ParameterGatewayFixture.ErrorAsync(response, 400, "A400IP");
        var violation = body.GetProperty("violations").EnumerateArray().Single();
        Assert.Equal("n", violation.GetProperty("parameter").GetString());
        Assert.Equal("required", violation.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task A_hostile_value_for_a_backtracking_pattern_gets_the_timeout_error()
    {
        var before = fixture.Backend.Requests;
        using var response = await Client.GetAsync("/p/checks/5?n=1&hostile=" + new string('a', 5000) + "c");
        var body = await ParameterGatewayFixture.ErrorAsync(response, 400, "A400PT");
        var violation = body.GetProperty("violations").EnumerateArray().Single();
        Assert.Equal("patternTimeout", violation.GetProperty("rule").GetString());
        Assert.Equal(new string('a', 64) + "...", violation.GetProperty("value").GetString());
        Assert.Equal(before, fixture.Backend.Requests);

        // The same pattern still answers a harmless value normally.
        using var fine = await Client.GetAsync("/p/checks/5?n=1&hostile=aaab");
        await ParameterGatewayFixture.EchoAsync(fine);
    }

    [Fact]
    public async Task Every_location_maps_to_every_other_location()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/p/map/a/b/c/d?query2path=e&query2query=f&query2header=g&query2form=h&junk=1")
        {
            Content = new FormUrlEncodedContent([new("form2path", "m"), new("form2query", "n"), new("form2header", "o"), new("form2form", "p"), new("junk", "2")]),
        };
        request.Headers.Add("X-H2P", "i");
        request.Headers.Add("X-H2Q", "j");
        request.Headers.Add("X-H2H", "k");
        request.Headers.Add("X-H2F", "l");
        request.Headers.Add("X-Junk", "z");
        request.Headers.Add("Cookie", "session=secret");
        request.Headers.Add("Authorization", "Bearer secret");
        using var response = await Client.SendAsync(request);
        var echo = await ParameterGatewayFixture.EchoAsync(response);

        // PATH <- path, query, header, form
        Assert.Equal("/back/a/e/i/m", echo.Path);

        // QUERY <- path, query, header, form; nothing else
        var query = QueryOf(echo);
        Assert.Equal(["fromForm", "fromHeader", "fromPath", "fromQuery"], query.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("b", "f", "j", "n"), (query["fromPath"].ToString(), query["fromQuery"].ToString(), query["fromHeader"].ToString(), query["fromForm"].ToString()));

        // HEADER <- path, query, header, form; the caller's other headers are gone
        Assert.Equal(("c", "g", "k", "o"), (echo.Headers["x-from-path"], echo.Headers["x-from-query"], echo.Headers["x-from-header"], echo.Headers["x-from-form"]));
        foreach (var gone in new[] { "x-junk", "cookie", "authorization", "x-h2h", "x-h2p", "x-ca-stage" })
        {
            Assert.False(echo.Headers.ContainsKey(gone), $"{gone} reached the backend");
        }

        // FORM <- path, query, header, form
        Assert.StartsWith("application/x-www-form-urlencoded", echo.Headers["content-type"], StringComparison.Ordinal);
        var form = QueryHelpers.ParseQuery(echo.Body);
        Assert.Equal(["fromForm", "fromHeader", "fromPath", "fromQuery"], form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("d", "h", "l", "p"), (form["fromPath"].ToString(), form["fromQuery"].ToString(), form["fromHeader"].ToString(), form["fromForm"].ToString()));
        Assert.Equal(response.Headers.GetValues("X-Ca-Request-Id").Single(), echo.Headers["x-ca-request-id"]);
    }

    [Fact]
    public async Task Plus_in_a_query_is_a_space_and_percent_encoded_plus_is_a_plus()
    {
        var echo = await Enc("/p/enc/x?s=a+b%2Bc");
        Assert.Equal("a b+c", QueryOf(echo)["s"].ToString());
        Assert.Contains("s=a%20b%2Bc", echo.RawTarget, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Percent_encoding_and_utf8_survive_every_mapping()
    {
        // Path -> query: the decoded segment, including an encoded slash.
        var echo = await Enc("/p/enc/x%20y%2Fz%C3%A9?s2p=a%2Fb%20c%C3%A9&s2h=caf%C3%A9&s=%E2%82%AC%26%3D");
        Assert.Equal("x y/zé", QueryOf(echo)["seg"].ToString());

        // Query -> path: one whole segment, percent-encoded, so that '/' cannot add a segment.
        Assert.StartsWith("/enc/a%2Fb%20c%C3%A9?", echo.RawTarget, StringComparison.Ordinal);

        // Query -> header: header values are ASCII, so UTF-8 is sent percent-encoded.
        Assert.Equal("caf%C3%A9", echo.Headers["x-s"]);

        // Query -> query: '&' and '=' inside a value stay inside it.
        Assert.Equal("€&=", QueryOf(echo)["s"].ToString());
    }

    [Fact]
    public async Task A_path_value_is_decoded_from_the_callers_own_segment()
    {
        // Kestrel's decoded path has "%2F" for both: an escaped slash, and the escaped text "%2F".
        var slash = await Enc("/p/enc/a%2Fb");
        Assert.Equal("a/b", QueryOf(slash)["seg"].ToString());

        var text = await Enc("/p/enc/a%252Fb%C3%A9");
        Assert.Equal("a%2Fbé", QueryOf(text)["seg"].ToString());
    }

    [Theory]
    [InlineData("/p/enc/x%FFy", "seg", "PATH", "x%FFy")]
    [InlineData("/p/enc/caf%C3%A9%FF", "seg", "PATH", "café%FF")]
    [InlineData("/p/enc/x?s=%C3%28", "s", "QUERY", "%C3(")]
    [InlineData("/p/enc/x?num=%FF", "num", "QUERY", "%FF")]
    [InlineData("/p/enc/x?s2p=%C0%AF", "s2p", "QUERY", "%C0%AF")]
    [InlineData("/p/enc/x?arr=ok&arr=%ED%A0%80", "arr", "QUERY", "ok,%ED%A0%80")]
    public async Task A_value_whose_escapes_are_not_utf8_is_refused_and_named(string uri, string parameter, string location, string shown)
    {
        var before = fixture.Backend.Requests;
        using var response = await Client.GetAsync(uri);
        var body = await ParameterGatewayFixture.ErrorAsync(response, 400, "A400IP");
        var violation = Assert.Single(body.GetProperty("violations").EnumerateArray());
        Assert.Equal((parameter, location, "encoding"), Named(violation));
        Assert.Equal(shown, violation.GetProperty("value").GetString());
        Assert.Equal(before, fixture.Backend.Requests);
    }

    [Theory]
    [InlineData("form2form=%FF")]
    [InlineData("form2form=caf%E9")]
    [InlineData("form2form=x\u00ffy")] // sent as Latin-1: the byte 0xFF itself
    public async Task A_form_field_that_is_not_utf8_is_refused_and_named(string field)
    {
        var bytes = Encoding.Latin1.GetBytes("form2path=m&" + field);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/p/map/a/b/c/d?query2path=e")
        {
            Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") } },
        };
        request.Headers.Add("X-H2P", "i");
        using var response = await Client.SendAsync(request);
        var body = await ParameterGatewayFixture.ErrorAsync(response, 400, "A400IP");
        var violation = Assert.Single(body.GetProperty("violations").EnumerateArray());
        Assert.Equal(("form2form", "FORM", "encoding"), Named(violation));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("%2E%2E")]
    public async Task A_value_sent_to_a_path_segment_cannot_climb_or_remove_it(string value)
    {
        using var response = await Client.GetAsync("/p/enc/x?s2p=" + value);
        var body = await ParameterGatewayFixture.ErrorAsync(response, 400, "A400IP");
        Assert.Equal("segment", body.GetProperty("violations")[0].GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Lengths_count_utf8_characters_not_bytes()
    {
        var ok = await Enc("/p/enc/x?short=%C3%A9%F0%9F%98%80");
        Assert.Equal("é😀", QueryOf(ok)["short"].ToString());

        using var tooLong = await Client.GetAsync("/p/enc/x?short=%C3%A9%C3%A9%C3%A9");
        var body = await ParameterGatewayFixture.ErrorAsync(tooLong, 400, "A400IP");
        Assert.Equal("ééé", body.GetProperty("violations")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Repeated_parameters_pass_as_arrays_and_are_refused_otherwise()
    {
        var echo = await Enc("/p/enc/x?arr=1&arr=2&arr=&arr=%20");
        Assert.Equal(new[] { "1", "2", "", " " }, QueryOf(echo)["arr"].Select(v => v ?? "null").ToArray());

        using var twice = await Client.GetAsync("/p/enc/x?one=1&one=2");
        var body = await ParameterGatewayFixture.ErrorAsync(twice, 400, "A400IP");
        Assert.Equal("single", body.GetProperty("violations")[0].GetProperty("rule").GetString());

        // A query name matches whatever its case or encoding, as in ASP.NET Core's parsed query: all are one parameter.
        var spelled = await Enc("/p/enc/x?arr=1&ARR=2&a%72r=3&Arr=4&o%4Ee=%41+b&=empty&arr");
        Assert.Equal(new[] { "1", "2", "3", "4", "" }, QueryOf(spelled)["arr"].Select(v => v ?? "null").ToArray());
        Assert.Equal("A b", QueryOf(spelled)["one"].ToString());

        using var twiceSpelled = await Client.GetAsync("/p/enc/x?one=1&ONE=2");
        await ParameterGatewayFixture.ErrorAsync(twiceSpelled, 400, "A400IP");
    }

    [Fact]
    public async Task Empty_values_are_present_strings_but_not_numbers()
    {
        var echo = await Enc("/p/enc/x?s=");
        Assert.Equal("", QueryOf(echo)["s"].ToString());
        Assert.Contains("s=", echo.RawTarget, StringComparison.Ordinal);

        using var number = await Client.GetAsync("/p/enc/x?num=");
        var body = await ParameterGatewayFixture.ErrorAsync(number, 400, "A400IP");
        Assert.Equal("type", body.GetProperty("violations")[0].GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Absent_optional_parameters_get_their_default_and_undefined_ones_are_dropped()
    {
        var echo = await Enc("/p/enc/x?undefined=1");
        var query = QueryOf(echo);
        Assert.Equal("10", query["size"].ToString());
        Assert.False(query.ContainsKey("undefined"));
        Assert.False(query.ContainsKey("s"));
        Assert.StartsWith("/enc/-?", echo.RawTarget, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Very_long_values_pass_whole_and_are_shortened_in_errors()
    {
        var value = string.Concat(Enumerable.Repeat("abcdefghij", 500));
        var echo = await Enc("/p/enc/x?long=" + value);
        Assert.Equal(value, QueryOf(echo)["long"].ToString());

        using var tooLong = await Client.GetAsync("/p/enc/x?long=" + value + "k");
        var body = await ParameterGatewayFixture.ErrorAsync(tooLong, 400, "A400IP");
        var violation = body.GetProperty("violations")[0];
        Assert.Equal("maxLength", violation.GetProperty("rule").GetString());
        Assert.Equal(value[..64] + "...", violation.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Constants_and_system_parameters_reach_the_backend_with_the_right_values()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/p/consts/42?api-version=9&rid=forged");
        request.Headers.Host = "api.example.com";
        request.Headers.Add("X-Client-Ip", "6.6.6.6");
        var before = DateTimeOffset.UtcNow;
        using var response = await Client.SendAsync(request);
        var after = DateTimeOffset.UtcNow;
        var echo = await ParameterGatewayFixture.EchoAsync(response);

        Assert.Equal("/c/42/t-1", echo.Path);
        Assert.Equal("ingress.internal", echo.Host);
        var query = QueryOf(echo);
        Assert.Equal("2", query["api-version"].ToString());
        Assert.Equal(response.Headers.GetValues("X-Ca-Request-Id").Single(), query["rid"].ToString());
        Assert.Equal("c", echo.Headers["x-const"]);
        Assert.Equal("127.0.0.1", echo.Headers["x-client-ip"]);
        Assert.Equal("Bestellung%20pr%C3%BCfen", echo.Headers["x-api-name"]);
        Assert.Equal("RELEASE", echo.Headers["x-stage"]);
        Assert.Equal("api.example.com", echo.Headers["x-domain"]);
        var time = DateTimeOffset.Parse(echo.Headers["x-time"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", echo.Headers["x-time"]);
        Assert.InRange(time, before.AddMilliseconds(-1), after.AddMilliseconds(1));

        // Anonymous API: no app and no user, so those system parameters are left out rather than sent empty.
        Assert.False(echo.Headers.ContainsKey("x-app-id"));
        Assert.False(echo.Headers.ContainsKey("x-app-key"));
        Assert.False(echo.Headers.ContainsKey("x-user"));
    }

    /// <summary>
    /// Under MAPPING the backend gets exactly this header set, whatever else the caller sent: the kept headers (with
    /// every value), the mapped ones, the body's type and length, the host and forwarding headers the proxy writes.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_mapping_backend_receives_exactly_the_kept_and_mapped_headers(bool http2)
    {
        using var client = http2 ? new HttpClient { BaseAddress = fixture.Gateway.Http2Address } : null;
        var caller = client ?? Client;
        using var form = new HttpRequestMessage(HttpMethod.Post, "/p/map/a/b/c/d?query2path=e&query2header=g")
        {
            Content = new FormUrlEncodedContent([new("form2path", "m"), new("form2header", "o")]),
        };
        AddCallerHeaders(form);
        form.Content.Headers.Add("Content-Language", "de");
        form.Headers.Add("X-H2P", "i");
        form.Headers.Add("X-H2H", "k");
        using var formResponse = await caller.SendAsync(Over(form, http2));
        var formEcho = await ParameterGatewayFixture.EchoAsync(formResponse);
        Assert.Equal(http2 ? HttpVersion.Version20 : HttpVersion.Version11, formResponse.Version);
        Assert.Equal(fixture.Backend.Address.Authority, formEcho.Headers["host"]);
        Assert.Equal(
            ExpectedHeaders(formResponse, ("content-length", "10"), ("content-type", "application/x-www-form-urlencoded"),
                ("x-forwarded-host", caller.BaseAddress!.Authority),
                ("x-from-form", "o"), ("x-from-header", "k"), ("x-from-path", "c"), ("x-from-query", "g")),
            Dump(formEcho));

        using var get = new HttpRequestMessage(HttpMethod.Get, "/p/consts/42");
        AddCallerHeaders(get);
        get.Headers.Host = "api.example.com";
        using var getResponse = await caller.SendAsync(Over(get, http2));
        var getEcho = await ParameterGatewayFixture.EchoAsync(getResponse);
        Assert.Equal("ingress.internal", getEcho.Headers["host"]);
        Assert.Equal(
            ExpectedHeaders(getResponse, ("x-api-name", "Bestellung%20pr%C3%BCfen"), ("x-client-ip", "127.0.0.1"),
                ("x-const", "c"), ("x-domain", "api.example.com"), ("x-forwarded-host", "api.example.com"), ("x-stage", "RELEASE"),
                ("x-time", getEcho.Headers["x-time"])),
            Dump(getEcho));
    }

    private static HttpRequestMessage Over(HttpRequestMessage request, bool http2)
    {
        if (http2)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return request;
    }

    private static void AddCallerHeaders(HttpRequestMessage request)
    {
        request.Headers.Add("Accept", ["application/json", "text/plain"]);
        request.Headers.Add("Accept-Language", "de-CH");
        request.Headers.Add("User-Agent", "mapping-test/1.0");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        request.Headers.Add("tracestate", "k=v");
        request.Headers.Add("baggage", "b=1");
        request.Headers.Add("X-Junk", "z");
        request.Headers.Add("Cookie", "session=secret");
        request.Headers.Add("Authorization", "Bearer secret");
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");
        request.Headers.Add("X-Ca-Key", "forged");
        request.Headers.Add("X-Ca-Proxy-Signature", "forged");
    }

    /// <summary>What every mapped call's backend gets besides <paramref name="own"/>: the kept headers and the proxy's.</summary>
    private static string ExpectedHeaders(HttpResponseMessage response, params (string Name, string Value)[] own)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["accept"] = "application/json, text/plain",
            ["accept-language"] = "de-CH",
            ["baggage"] = "b=1",
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ["tracestate"] = "k=v",
            ["user-agent"] = "mapping-test/1.0",
            ["x-ca-request-id"] = response.Headers.GetValues("X-Ca-Request-Id").Single(),
            ["x-forwarded-for"] = "127.0.0.1",
            ["x-forwarded-proto"] = "http",
        };
        foreach (var (name, value) in own)
        {
            headers[name] = value;
        }

        return string.Join('\n', headers.Select(h => h.Key + ": " + h.Value));
    }

    /// <summary>The headers the backend got, sorted, but for the host (asserted on its own).</summary>
    private static string Dump(EchoResponse echo) => string.Join('\n', echo.Headers
        .Where(h => h.Key != "host").OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Key + ": " + h.Value));

    [Fact]
    public async Task Passthrough_forwards_the_request_exactly_as_it_came()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"any\": \"thing\", \"ü\": [1,2]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/p/pass/a%20b?x=1&x=2&y=%2B+&z&e=%C3%A9")
        {
            Content = new ByteArrayContent(bytes),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/weird");
        request.Headers.Add("X-Anything", "kept");
        request.Headers.Add("Cookie", "c=1");
        using var response = await Client.SendAsync(request);
        var echo = await ParameterGatewayFixture.EchoAsync(response);
        Assert.Equal("/pass/a%20b?x=1&x=2&y=%2B+&z&e=%C3%A9", echo.RawTarget);
        Assert.Equal(Encoding.UTF8.GetString(bytes), echo.Body);
        Assert.Equal("application/weird", echo.Headers["content-type"]);
        Assert.Equal("kept", echo.Headers["x-anything"]);
        Assert.Equal("c=1", echo.Headers["cookie"]);
        Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), echo.Headers["content-length"]);
    }

    [Fact]
    public async Task Passthrough_adds_constants_and_system_parameters_and_leaves_the_rest()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/p/passconst?keep=1&c=forged");
        request.Headers.Add("X-Client-Ip", "6.6.6.6");
        request.Headers.Add("X-Mine", "m");
        using var response = await Client.SendAsync(request);
        var echo = await ParameterGatewayFixture.EchoAsync(response);
        var query = QueryOf(echo);
        Assert.Equal("1", query["keep"].ToString());
        Assert.Equal("1", query["c"].ToString());
        Assert.Equal("c", echo.Headers["x-const"]);
        Assert.Equal("127.0.0.1", echo.Headers["x-client-ip"]);
        Assert.Equal("m", echo.Headers["x-mine"]);
        Assert.Equal("RELEASE", echo.Headers["x-ca-stage"]);
    }

    [Fact]
    public async Task Body_limit_gives_413_at_one_byte_over_whatever_the_framing()
    {
        using (var fits = await PostAsync("/p/limits", new string('x', 100), "text/plain"))
        {
            Assert.Equal(new string('x', 100), (await ParameterGatewayFixture.EchoAsync(fits)).Body);
        }

        var before = fixture.Backend.Requests;
        using (var over = await PostAsync("/p/limits", new string('x', 101), "text/plain"))
        {
            await ParameterGatewayFixture.ErrorAsync(over, 413, "A413BL");
        }

        using (var chunkedOver = await PostAsync("/p/limits", new string('x', 101), "text/plain", chunked: true))
        {
            await ParameterGatewayFixture.ErrorAsync(chunkedOver, 413, "A413BL");
        }

        Assert.Equal(before, fixture.Backend.Requests);
        using var chunkedFits = await PostAsync("/p/limits", new string('y', 100), "text/plain", chunked: true);
        Assert.Equal(new string('y', 100), (await ParameterGatewayFixture.EchoAsync(chunkedFits)).Body);
    }

    [Theory]
    [InlineData("application/json", 200)]
    [InlineData("application/json; charset=utf-8", 200)]
    [InlineData("TEXT/CSV", 200)]
    [InlineData("image/png", 415)]
    [InlineData("application/jsonx", 415)]
    public async Task Only_allowed_content_types_pass(string contentType, int status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/p/limits") { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await Client.SendAsync(request);
        if (status == 200)
        {
            await ParameterGatewayFixture.EchoAsync(response);
        }
        else
        {
            await ParameterGatewayFixture.ErrorAsync(response, 415, "A415CT");
        }
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("identity, br")]
    public async Task A_compressed_body_the_api_checks_is_refused_with_the_codings_it_reads(string coding)
    {
        var before = fixture.Backend.Requests;
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write("{\"name\": \"tea\", \"qty\": 2}"u8);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/p/json") { Content = new ByteArrayContent(compressed.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.TryAddWithoutValidation("Content-Encoding", coding);
        using var response = await Client.SendAsync(request);
        var body = await ParameterGatewayFixture.ErrorAsync(response, 415, "A415CT");
        Assert.Contains("Content-Encoding", body.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal("identity", response.Headers.GetValues("Accept-Encoding").Single());
        Assert.Equal(before, fixture.Backend.Requests);

        // Identity is no coding at all.
        using var plain = await PostAsync("/p/json", "{\"name\": \"tea\", \"qty\": 2}", "application/json", contentEncoding: "identity");
        await ParameterGatewayFixture.EchoAsync(plain);
    }

    [Fact]
    public async Task A_call_without_a_body_needs_no_content_type() =>
        await ParameterGatewayFixture.EchoAsync(await Client.PostAsync("/p/limits", null));

    [Fact]
    public async Task A_json_body_is_checked_against_its_schema_and_forwarded_byte_for_byte()
    {
        const string order = "{ \"name\": \"tea\",\n \"qty\": 2 }";
        using (var ok = await PostAsync("/p/json?dropped=1", order, "application/json"))
        {
            var echo = await ParameterGatewayFixture.EchoAsync(ok);
            Assert.Equal(order, echo.Body);
            Assert.Equal("application/json", echo.Headers["content-type"]);
            Assert.Equal("", echo.Query);
        }

        using (var bad = await PostAsync("/p/json", "{\"name\": \"\", \"qty\": 0}", "application/json"))
        {
            var body = await ParameterGatewayFixture.ErrorAsync(bad, 400, "A400IP");
            var messages = body.GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("message").GetString()!).ToList();
            Assert.All(body.GetProperty("violations").EnumerateArray(), v => Assert.Equal("schema", v.GetProperty("rule").GetString()));
            Assert.Contains(messages, m => m.Contains("/name", StringComparison.Ordinal) && m.Contains("minLength", StringComparison.Ordinal));
            Assert.Contains(messages, m => m.Contains("/qty", StringComparison.Ordinal) && m.Contains("minimum", StringComparison.Ordinal));
        }

        using (var notJson = await PostAsync("/p/json", "{\"name\": ", "application/json"))
        {
            var body = await ParameterGatewayFixture.ErrorAsync(notJson, 400, "A400IP");
            Assert.Equal("json", body.GetProperty("violations")[0].GetProperty("rule").GetString());
        }

        using (var missing = await Client.PostAsync("/p/json", null))
        {
            var body = await ParameterGatewayFixture.ErrorAsync(missing, 400, "A400IP");
            Assert.Equal("required", body.GetProperty("violations")[0].GetProperty("rule").GetString());
        }

        using var wrongType = await PostAsync("/p/json", "name=tea", "application/x-www-form-urlencoded");
        await ParameterGatewayFixture.ErrorAsync(wrongType, 415, "A415CT");
    }

    [Fact]
    public async Task Form_fields_are_checked_and_a_passthrough_form_is_forwarded_as_sent()
    {
        using (var ok = await PostAsync("/p/form", "count=10&other=x+y", "application/x-www-form-urlencoded"))
        {
            Assert.Equal("count=10&other=x+y", (await ParameterGatewayFixture.EchoAsync(ok)).Body);
        }

        using (var bad = await PostAsync("/p/form", "count=11", "application/x-www-form-urlencoded"))
        {
            var body = await ParameterGatewayFixture.ErrorAsync(bad, 400, "A400IP");
            Assert.Equal("maximum", body.GetProperty("violations")[0].GetProperty("rule").GetString());
        }

        using var json = await PostAsync("/p/form", "{\"count\": 1}", "application/json");
        await ParameterGatewayFixture.ErrorAsync(json, 415, "A415CT");
    }

    /// <summary>A violation's parameter, location and rule.</summary>
    private static (string? Parameter, string? Location, string? Rule) Named(JsonElement violation) =>
        (violation.GetProperty("parameter").GetString(), violation.GetProperty("location").GetString(), violation.GetProperty("rule").GetString());

    private async Task<EchoResponse> Enc(string uri)
    {
        using var response = await Client.GetAsync(uri);
        return await ParameterGatewayFixture.EchoAsync(response);
    }

    private async Task<HttpResponseMessage> PostAsync(string uri, string body, string contentType, bool chunked = false, string? contentEncoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (contentEncoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(contentEncoding);
        }

        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        return await Client.SendAsync(request);
    }
}
