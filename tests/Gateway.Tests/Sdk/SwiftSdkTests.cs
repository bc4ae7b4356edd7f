using System.IO.Compression;
using System.Text;
using Gateway.SdkGenerator.Model;
using Gateway.SdkGenerator.Sdks;
using Gateway.Tests.Security;

namespace Gateway.Tests.Sdk;

/// <summary>
/// No Swift toolchain exists where the tests run, so the Swift SDK is pinned by golden files (any change to its
/// generated source fails here and must be reviewed), and its signer's algorithm is run through the vectors by a
/// line-for-line C# rendering of the golden CaSigner.swift. Set UPDATE_SDK_GOLDEN=1 to rewrite the golden files.
/// </summary>
public sealed class SwiftSdkTests
{
    private static string GoldenFolder => Path.Combine(ToolRun.SdkTestsFolder, "Golden", "swift");

    [Fact]
    public void The_generated_swift_package_matches_its_golden_files()
    {
        var files = Generate();
        if (Environment.GetEnvironmentVariable("UPDATE_SDK_GOLDEN") == "1")
        {
            if (Directory.Exists(GoldenFolder))
            {
                Directory.Delete(GoldenFolder, recursive: true);
            }

            foreach (var (path, text) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(GoldenFolder, path))!);
                File.WriteAllText(Path.Combine(GoldenFolder, path), text);
            }
        }

        var golden = Directory.GetFiles(GoldenFolder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(GoldenFolder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(golden, files.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, text) in files)
        {
            Assert.True(File.ReadAllText(Path.Combine(GoldenFolder, path)) == text, $"{path} differs from its golden file (UPDATE_SDK_GOLDEN=1 rewrites them)");
        }
    }

    [Fact]
    public void The_swift_readme_says_it_was_not_compiled_here()
    {
        Assert.Contains("**Not compiled where it was generated**", Generate()["README.md"]);
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.ClientNames), MemberType = typeof(SignatureVectors))]
    public void The_swift_signer_algorithm_passes_each_vector(string name)
    {
        var signer = File.ReadAllText(Path.Combine(GoldenFolder, "Sources", "ShopSdk", "CaSigner.swift"));

        // The statements the rendering below follows; if the Swift source changes, so must the rendering.
        Assert.Contains("Array(a.utf16).lexicographicallyPrecedes(Array(b.utf16))", signer);
        Assert.Contains("for (name, value) in signedHeaders.sorted(by: { ordinal($0.0, $1.0) })", signer);
        Assert.Contains("for (name, value) in (form ?? []) + query where parameters[name] == nil", signer);
        Assert.Contains("parameters[name]!.isEmpty ? name : \"\\(name)=\\(parameters[name]!)\"", signer);
        Assert.Contains("String(s).replacingOccurrences(of: \"+\", with: \" \").removingPercentEncoding", signer);
        Assert.Contains("HMAC<SHA256>.authenticationCode(for: data, using: key)", signer);

        var vector = SignatureVectors.ClientNamed(name);
        var url = new Uri(vector.Url);
        var signed = (vector.Header("X-Ca-Signature-Headers") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(n => (n, vector.Header(n) ?? "")).ToList();
        var isForm = vector.Header("Content-Type")?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;
        var text = SwiftRendering.StringToSign(vector.Method, vector.Header("Accept"), vector.Header("Content-MD5"), vector.Header("Content-Type"),
            vector.Header("Date"), signed, url.AbsolutePath, SwiftRendering.ParsePairs(url.Query), isForm ? SwiftRendering.ParsePairs(vector.Body) : null);
        Assert.Equal(vector.StringToSign, text);
        var key = Encoding.UTF8.GetBytes(vector.Secret);
        var data = Encoding.UTF8.GetBytes(text);
        var mac = vector.Algorithm == "HmacSHA1" ? System.Security.Cryptography.HMACSHA1.HashData(key, data) : System.Security.Cryptography.HMACSHA256.HashData(key, data);
        Assert.Equal(vector.Signature, Convert.ToBase64String(mac));
    }

    internal static Dictionary<string, string> Generate()
    {
        var snapshot = SdkSamples.Snapshot();
        var surface = ApiSurfaceBuilder.Build(snapshot, "shop", "RELEASE", new Uri("https://api.example.com"))!;
        var zip = SdkBuilder.Build(new SdkScope { Stage = "RELEASE", Revision = snapshot.Revision, Name = "shop", Groups = [surface] }, SdkLanguages.Find("swift")!);
        using var archive = new ZipArchive(new MemoryStream(zip));
        return archive.Entries.ToDictionary(e => e.FullName, e => new StreamReader(e.Open()).ReadToEnd());
    }

    /// <summary>CaSigner.swift's stringToSign and parsePairs, statement by statement.</summary>
    private static class SwiftRendering
    {
        private static bool Ordinal(string a, string b) => string.CompareOrdinal(a, b) < 0;

        public static string StringToSign(string method, string? accept, string? contentMd5, string? contentType, string? date,
            List<(string, string)> signedHeaders, string path, List<(string, string)> query, List<(string, string)>? form)
        {
            var text = $"{method.ToUpperInvariant()}\n{accept ?? ""}\n{contentMd5 ?? ""}\n{contentType ?? ""}\n{date ?? ""}\n";
            foreach (var (name, value) in signedHeaders.Order(Comparer<(string, string)>.Create((x, y) => Ordinal(x.Item1, y.Item1) ? -1 : Ordinal(y.Item1, x.Item1) ? 1 : 0)))
            {
                text += $"{name}:{value}\n";
            }

            var parameters = new Dictionary<string, string>();
            foreach (var (name, value) in (form ?? []).Concat(query))
            {
                if (!parameters.ContainsKey(name))
                {
                    parameters[name] = value;
                }
            }

            text += path;
            if (parameters.Count > 0)
            {
                var names = parameters.Keys.Order(StringComparer.Ordinal);
                text += "?" + string.Join("&", names.Select(name => parameters[name].Length == 0 ? name : $"{name}={parameters[name]}"));
            }

            return text;
        }

        public static List<(string, string)> ParsePairs(string? text)
        {
            static string Decode(string s) => Uri.UnescapeDataString(s.Replace("+", " "));
            var body = text ?? "";
            if (body.StartsWith('?'))
            {
                body = body[1..];
            }

            return body.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(part => part.IndexOf('=') is var equals and >= 0 ? (Decode(part[..equals]), Decode(part[(equals + 1)..])) : (Decode(part), ""))
                .ToList();
        }
    }
}
