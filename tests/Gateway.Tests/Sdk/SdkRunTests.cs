using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;

namespace Gateway.Tests.Sdk;

/// <summary>
/// Each SDK downloaded from the admin API, unzipped, compiled with its language's real compiler, and run against
/// the running gateway: its signer core passes the X-Ca vectors, and every API answers with what the backend
/// received checked. One compile per language; the C# one is the slowest (about half a minute).
/// </summary>
[Collection(SdkGatewayCollection.Name)]
public sealed class SdkRunTests(SdkGatewayFixture fixture)
{
    [Fact]
    public async Task The_csharp_sdk_compiles_with_dotnet_and_calls_every_api()
    {
        using var folder = await fixture.UnzipSdkAsync("/v1/groups/shop/stages/RELEASE/sdks/csharp");
        var runner = Directory.CreateDirectory(Path.Combine(folder, "Runner")).FullName;
        File.Copy(Path.Combine(RunnersFolder, "Program.cs"), Path.Combine(runner, "Program.cs"));
        File.Copy(Path.Combine(RunnersFolder, "Runner.csproj"), Path.Combine(runner, "Runner.csproj"));
        await ToolRun.RunAsync("dotnet", ["build", "Runner.csproj", "-c", "Release", "-warnaserror", "-nologo", "-v", "q", "-nodeReuse:false", "-p:UseSharedCompilation=false"], runner);
        var output = await ToolRun.RunAsync("dotnet", [Path.Combine(runner, "bin", "Release", "net10.0", "Runner.dll"), .. Arguments(folder)], runner);
        CheckRun(output);
        CheckRetry(output);
    }

    [Fact]
    public async Task The_typescript_sdk_compiles_with_tsc_and_calls_every_api_from_node()
    {
        using var folder = await fixture.UnzipSdkAsync("/v1/groups/shop/stages/RELEASE/sdks/typescript");
        File.Copy(Path.Combine(RunnersFolder, "runner.mjs"), Path.Combine(folder, "runner.mjs"));
        var tsc = Path.Combine(ToolRun.ToolsFolder, "node_modules", "typescript", "bin", "tsc");
        await ToolRun.RunAsync("node", [tsc, "-p", "."], folder);
        Assert.True(File.Exists(Path.Combine(folder, "dist", "index.d.ts")));
        var output = await ToolRun.RunAsync("node", ["runner.mjs", .. Arguments(folder)], folder);
        CheckRun(output);
        CheckRetry(output);
    }

    [Fact]
    public async Task The_java_sdk_compiles_with_javac_and_calls_every_api()
    {
        using var folder = await fixture.UnzipSdkAsync("/v1/groups/shop/stages/RELEASE/sdks/java");
        File.Copy(Path.Combine(RunnersFolder, "Runner.java"), Path.Combine(folder, "Runner.java"));
        var sources = Directory.GetFiles(Path.Combine(folder, "src"), "*.java", SearchOption.AllDirectories);
        Assert.DoesNotContain(sources, s => File.ReadAllText(s).Contains("import java.net.http", StringComparison.Ordinal));

        // --release 11: the SDK promises Java 11 (and Android, which lacks java.net.http).
        await ToolRun.RunAsync("javac", ["--release", "11", "-Xlint:all", "-Werror", "-d", "classes", .. sources, "Runner.java"], folder);
        var output = await ToolRun.RunAsync("java", ["-cp", "classes", "Runner", .. Arguments(folder)], folder);
        CheckRun(output);
        CheckRetry(output);
    }

    [Fact]
    public async Task Every_sdk_holds_a_readme_an_api_reference_and_the_openapi_document_but_never_a_secret()
    {
        foreach (var language in new[] { "csharp", "java", "swift", "typescript" })
        {
            var zip = await fixture.GetBytesAsync($"/v1/groups/shop/stages/RELEASE/sdks/{language}");
            Assert.Equal(zip, await fixture.GetBytesAsync($"/v1/groups/shop/stages/RELEASE/sdks/{language}"));
            using var archive = new ZipArchive(new MemoryStream(zip));
            var names = archive.Entries.Select(e => e.FullName).ToList();
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            Assert.All(archive.Entries, e => Assert.Equal(new DateTime(1980, 1, 1), e.LastWriteTime.DateTime));
            Assert.Contains("README.md", names);
            Assert.Contains("API.md", names);
            Assert.Contains("openapi/shop.json", names);
            foreach (var entry in archive.Entries)
            {
                using var reader = new StreamReader(entry.Open());
                var text = await reader.ReadToEndAsync();
                Assert.DoesNotContain(fixture.Key.AppSecret, text);
                Assert.DoesNotContain(fixture.Key.AppKey, text);
            }

            var api = Read(archive, "API.md");
            Assert.Contains("`GET /shop/items/{id}`", api);
            Assert.Contains("The tenant", api);
            Assert.DoesNotContain("/shop/draft", api);
            Assert.Contains("Demo", Read(archive, "README.md"));
        }
    }

    [Fact]
    public async Task An_app_sdk_holds_exactly_the_apis_the_app_is_granted()
    {
        using var archive = new ZipArchive(new MemoryStream(await fixture.GetBytesAsync("/v1/apps/sdk-app/sdks/typescript?stage=RELEASE")));
        var client = Read(archive, "src/shopClient.ts");
        foreach (var method in new[] { "getItem(", "placeOrder(", "login(", "noncePing(" })
        {
            Assert.Contains(method, client);
        }

        foreach (var method in new[] { "shopHello(", "status(", "whoami(" })
        {
            Assert.DoesNotContain(method, client);
        }

        Assert.Contains("Made for app `sdk-app`", Read(archive, "README.md"));
        Assert.DoesNotContain(archive.Entries, e => e.FullName.Contains("demo", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_app_without_grants_gets_an_sdk_without_apis_and_a_readme_saying_so()
    {
        using var archive = new ZipArchive(new MemoryStream(await fixture.GetBytesAsync("/v1/apps/no-grant-app/sdks/csharp")));
        Assert.Contains("holds no grant in stage `RELEASE`: this SDK has no APIs", Read(archive, "README.md"));
        Assert.DoesNotContain(archive.Entries, e => e.FullName.EndsWith("Client.cs", StringComparison.Ordinal) || e.FullName.StartsWith("openapi/", StringComparison.Ordinal));
        Assert.Contains(archive.Entries, e => e.FullName == "NoGrantAppSdk/CaSigner.cs");
    }

    /// <summary>What every runner is called with: gateway, key, secret, the vectors (written into the SDK's folder), a token.</summary>
    private IEnumerable<string> Arguments(string folder)
    {
        var vectors = Path.Combine(folder, "vectors.tsv");
        File.WriteAllText(vectors, VectorLines.Value);
        return [fixture.Gateway.GatewayAddress.ToString(), fixture.Key.AppKey, fixture.Key.AppSecret, vectors, fixture.Token()];
    }

    /// <summary>What every runner must print: each vector passed, each call answered, and the backend got the call as made.</summary>
    private static void CheckRun(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var vector in SignatureVectors.Client)
        {
            Assert.Contains($"VECTOR {vector.Name} ok", lines);
        }

        Assert.DoesNotContain(lines, l => l.Contains("FAILED", StringComparison.Ordinal));
        var calls = lines.Where(l => l.StartsWith("CALL ", StringComparison.Ordinal) || l.StartsWith("ERROR ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[1], p => p);

        var item = Echo(calls, "get-item");
        Assert.Equal("GET", item.Method);
        Assert.Equal("/items/42", item.Path);
        Assert.Equal("?page=2&tag=a&tag=b%20c&sort=desc", item.Query);
        Assert.Equal("t-7", item.Headers["x-tenant"]);

        var order = Echo(calls, "place-order");
        Assert.Equal("POST", order.Method);
        var json = JsonDocument.Parse(order.Body).RootElement;
        Assert.Equal("A-1", json.GetProperty("sku").GetString());
        Assert.Equal(3, json.GetProperty("qty").GetInt32());
        Assert.StartsWith("application/json", order.Headers["content-type"]);

        var login = Echo(calls, "login");
        Assert.StartsWith("application/x-www-form-urlencoded", login.Headers["content-type"]);
        var form = login.Body.Split('&').Select(p => p.Split('=')).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        Assert.Equal("ann", form["user"]);
        Assert.Equal("x y&z", form["pass"]);
        Assert.Equal("true", form["remember"]);

        Assert.Equal("/nonce", Echo(calls, "nonce-1").Path);
        Assert.Equal("/nonce", Echo(calls, "nonce-2").Path);
        Assert.NotEqual(Echo(calls, "nonce-1").Headers["x-ca-nonce"], Echo(calls, "nonce-2").Headers["x-ca-nonce"]);
        Assert.Equal("/hello/w%C3%B6rld", Echo(calls, "hello").RawTarget);
        Assert.Equal("/whoami", Echo(calls, "whoami").Path);

        Assert.Equal(["CALL", "status", "200"], calls["status"][..3]);
        Assert.True(JsonDocument.Parse(Body(calls["status"])).RootElement.GetProperty("up").GetBoolean());

        Assert.Equal(["ERROR", "wrong-secret", "400", "A400IS"], calls["wrong-secret"]);
    }

    /// <summary>The runner's first attempt got a 503; the retry succeeded with a second, different nonce.</summary>
    private static void CheckRetry(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("CALL retry 200 ", StringComparison.Ordinal));
        Assert.Contains("RETRY 2 2", lines);
    }

    private static EchoResponse Echo(Dictionary<string, string[]> calls, string name)
    {
        Assert.True(calls.TryGetValue(name, out var call), $"no answer to {name}");
        Assert.True(call[0] == "CALL" && call[2] == "200", $"{name}: {string.Join(' ', call)}");
        return JsonSerializer.Deserialize<EchoResponse>(Body(call), JsonSerializerOptions.Web)!;
    }

    private static string Body(string[] call) => Encoding.UTF8.GetString(Convert.FromBase64String(call.Length > 3 ? call[3] : ""));

    private static string Read(ZipArchive archive, string name)
    {
        using var reader = new StreamReader(archive.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    private static string RunnersFolder => Path.Combine(ToolRun.SdkTestsFolder, "Runners");

    /// <summary>
    /// The client vectors as the runners read them (no language needs a JSON parser): one line per vector, tab-separated
    /// Base64 fields, each signed header as 'Name:Value' with the name as X-Ca-Signature-Headers lists it.
    /// </summary>
    private static readonly Lazy<string> VectorLines = new(() =>
    {
        var lines = new StringBuilder();
        foreach (var v in SignatureVectors.Client)
        {
            var url = new Uri(v.Url);
            var signed = (v.Header("X-Ca-Signature-Headers") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var contentType = v.Header("Content-Type");
            var isForm = contentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;
            string[] fields =
            [
                v.Name, v.Method, url.AbsolutePath, url.Query.TrimStart('?'),
                string.Concat(signed.Select(n => $"{n}:{v.Header(n)}\n")),
                v.Header("Accept") ?? "", v.Header("Content-MD5") ?? "", contentType ?? "", v.Header("Date") ?? "",
                isForm ? v.Body ?? "" : "", v.Secret, v.Algorithm, v.StringToSign, v.Signature, v.Body ?? "",
            ];
            lines.AppendJoin('\t', fields.Select(f => Convert.ToBase64String(Encoding.UTF8.GetBytes(f)))).Append('\n');
        }

        return lines.ToString();
    });
}
