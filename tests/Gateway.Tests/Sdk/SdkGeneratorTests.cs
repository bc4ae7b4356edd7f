using System.IO.Compression;
using Gateway.Catalog;
using Gateway.SdkGenerator;
using Gateway.SdkGenerator.Model;
using Gateway.SdkGenerator.OpenApi;
using Gateway.SdkGenerator.Sdks;

namespace Gateway.Tests.Sdk;

/// <summary>The generator without a gateway: determinism, names, the cache per revision.</summary>
public sealed class SdkGeneratorTests
{
    private static readonly Uri Gateway = new("https://api.example.com");

    [Theory]
    [InlineData("csharp")]
    [InlineData("java")]
    [InlineData("swift")]
    [InlineData("typescript")]
    public void The_same_revision_always_gives_the_same_zip(string language)
    {
        var first = Build(SdkSamples.Snapshot(), language);
        var second = Build(SdkSamples.Snapshot(), language);
        Assert.Equal(first, second);
        Assert.NotEqual(first, Build(SdkSamples.Snapshot(revision: 8), language));
    }

    [Theory]
    [InlineData("get-order", "GetOrder", "getOrder")]
    [InlineData("X-Tenant", "XTenant", "xTenant")]
    [InlineData("page.size", "PageSize", "pageSize")]
    [InlineData("2fa", "N2fa", "n2fa")]
    [InlineData("HTTPServer", "HttpServer", "httpServer")]
    [InlineData("getOrderById", "GetOrderById", "getOrderById")]
    [InlineData("---", "Value", "value")]
    public void Catalog_names_become_identifiers_of_every_language(string name, string pascal, string camel)
    {
        Assert.Equal(pascal, Identifiers.Pascal(name));
        Assert.Equal(camel, Identifiers.Camel(name));
    }

    [Fact]
    public void Arguments_never_take_a_keyword_or_a_name_twice()
    {
        var surface = ApiSurfaceBuilder.Build(SdkSamples.Snapshot(), "shop", StageName.Release, Gateway)!;
        var methods = SdkMethods.For(surface, Identifiers.Camel);
        var getItem = methods.Single(m => m.Operation.ApiId == "get-item");
        Assert.Equal(["id", "xTenant", "classValue", "n2fa", "size"], getItem.Arguments.Select(a => a.Name));
        var login = methods.Single(m => m.Operation.ApiId == "login");
        Assert.Equal(["user", "defaultValue"], login.Arguments.Select(a => a.Name));
        Assert.Equal(["getItem", "putItemPut", "putItemPatch", "login"], methods.Select(m => m.Name));
    }

    [Fact]
    public void Api_ids_that_are_keywords_or_object_members_get_a_method_name_of_their_own()
    {
        var snapshot = SdkSamples.Snapshot();
        var apis = new[] { "class", "wait", "constructor", "class-call" }.Select((id, i) => new PublishedApi
        {
            Stage = StageName.Release,
            Version = 1,
            Definition = new ApiDefinition { Id = id, Group = "shop", Name = id, Methods = ["GET"], Path = $"/k{i}" },
        });
        var surface = ApiSurfaceBuilder.Build(snapshot with { Apis = [.. apis] }, "shop", StageName.Release, Gateway)!;
        Assert.Equal(["classCall", "waitCall", "constructorCall", "classCall2"], SdkMethods.For(surface, Identifiers.Camel).Select(m => m.Name));
    }

    [Fact]
    public void Only_the_stage_asked_for_is_described_and_wildcard_domains_become_a_server_variable()
    {
        var surface = ApiSurfaceBuilder.Build(SdkSamples.Snapshot(), "shop", StageName.Release, Gateway)!;
        Assert.DoesNotContain(surface.Operations, o => o.ApiId == "draft");
        Assert.Equal(["https://api.example.com", "https://{subdomain}.shop.example.com"], surface.Servers.Select(s => s.Url));
        var document = OpenApiDocumentBuilder.Build(surface);
        Assert.Equal("api", document["servers"]![1]!["variables"]!["subdomain"]!["default"]!.GetValue<string>());
        Assert.Equal(["name"], document["paths"]!["/shop/items/{id}"]!["put"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal("x", document["paths"]!["/shop/items/{id}"]!["put"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!["name"]!["enum"]![0]!.GetValue<string>());
        var both = document["paths"]!["/shop/items/{id}"]!["put"]!["security"]![0]!.AsObject().Select(p => p.Key);
        Assert.Equal(["appSignature", "openIdConnect-login"], both);
        Assert.Equal("https://login.example.com/.well-known/openid-configuration",
            document["components"]!["securitySchemes"]!["openIdConnect-login"]!["openIdConnectUrl"]!.GetValue<string>());
    }

    [Fact]
    public void Documents_are_built_once_per_revision_and_again_for_a_new_one()
    {
        var documents = new CatalogDocuments(Gateway);
        var first = documents.OpenApi(SdkSamples.Snapshot(7), "shop", StageName.Release, yaml: false);
        Assert.Same(first.Content, documents.OpenApi(SdkSamples.Snapshot(7), "shop", StageName.Release, yaml: false).Content);
        var next = documents.OpenApi(SdkSamples.Snapshot(8), "shop", StageName.Release, yaml: false);
        Assert.NotSame(first.Content, next.Content);
        Assert.Contains("revision 8", System.Text.Encoding.UTF8.GetString(next.Content));
    }

    [Fact]
    public void An_app_sdk_leaves_out_expired_grants_and_other_stages()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var snapshot = SdkSamples.Snapshot() with
        {
            Apps = [new App { Id = "app", Name = "App", Owner = "ann" }],
            Grants =
            [
                new AppGrant { App = "app", Api = "get-item", Stage = StageName.Release },
                new AppGrant { App = "app", Api = "login", Stage = StageName.Release, ExpiresAt = now.AddSeconds(-1) },
                new AppGrant { App = "app", Api = "put-item", Stage = StageName.Test },
            ],
        };
        var groups = ApiSurfaceBuilder.BuildForApp(snapshot, "app", StageName.Release, Gateway, now);
        Assert.Equal(["get-item"], groups.Single().Operations.Select(o => o.ApiId));
        Assert.Empty(ApiSurfaceBuilder.BuildForApp(snapshot, "app", StageName.Pre, Gateway, now));
        Assert.Equal(DocumentOutcome.UnknownApp, new CatalogDocuments(Gateway).AppSdk(snapshot, "other", StageName.Release, SdkLanguages.Find("java")!, now).Outcome);
    }

    [Fact]
    public void The_java_source_never_carries_a_unicode_escape_from_a_description()
    {
        using var archive = new ZipArchive(new MemoryStream(Build(SdkSamples.Snapshot(), "java")));
        var client = new StreamReader(archive.GetEntry("src/main/java/org/gatewayorleans/sdk/shop/ShopClient.java")!.Open()).ReadToEnd();
        Assert.DoesNotContain("\\u0041", client);
        Assert.DoesNotContain("*/ and", client);
    }

    private static byte[] Build(CatalogSnapshot snapshot, string language)
    {
        var surface = ApiSurfaceBuilder.Build(snapshot, "shop", StageName.Release, Gateway)!;
        return SdkBuilder.Build(new SdkScope { Stage = StageName.Release, Revision = snapshot.Revision, Name = "shop", Groups = [surface] }, SdkLanguages.Find(language)!);
    }
}
