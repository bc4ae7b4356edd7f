using System.IO.Compression;
using System.Net;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Security;
using Gateway.Tests.Security.OpenIdConnect;

namespace Gateway.Tests.Sdk;

/// <summary>
/// One embedded gateway (with the sample catalog imported) serving a group of signed APIs of every shape an SDK must call:
/// GET with path, query and header parameters; POST JSON; POST form; nonce required; anonymous; mocked; OpenID
/// Connect. An app holds a key and grants on the signed APIs; another app has no grant at all.
/// </summary>
public sealed class SdkGatewayFixture : IAsyncLifetime
{
    public const string Group = "shop";

    /// <summary>A JSON Schema of a newer draft than OpenAPI 3.0's, with a nullable property.</summary>
    private const string OrderSchema =
        """{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","required":["sku"],"properties":{"sku":{"type":"string","minLength":1},"qty":{"type":"integer","minimum":1},"note":{"type":["string","null"]}}}""";

    private TestTokens _tokens = null!;

    public EchoBackend Backend { get; private set; } = null!;

    public EmbeddedGateway Gateway { get; private set; } = null!;

    public CallerAdmin.CreatedKey Key { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await EchoBackend.StartAsync();
        Gateway = await EmbeddedGateway.StartAsync();

        // The sample catalog, as the embedded default serves it, so that its documents are checked too.
        using (var sample = typeof(Gateway.Frontend.FrontendHost).Assembly.GetManifestResourceStream("sample-catalog.yaml")!)
        {
            await Gateway.ImportAsync(await new StreamReader(sample).ReadToEndAsync());
        }

        _tokens = new TestTokens("https://login.example.com", "shop-api");
        await Gateway.ImportAsync($$$"""
            identityProviders:
              - { name: login, issuer: "https://login.example.com", jwks: '{{{_tokens.Jwks()}}}', audiences: [shop-api] }
            groups:
              - { name: shop, basePath: /shop, description: The shop's APIs }
              - { name: empty, basePath: /empty }
            backends:
              - { name: echo, addresses: ["{{{Backend.Address}}}"] }
            apis:
              - id: get-item
                group: shop
                name: Get an item
                description: Reads one item of a tenant.
                methods: [GET]
                path: /items/{id}
                backend: echo
                authType: AppSignature
                parameters:
                  - { name: id, location: PATH, type: LONG, minimum: 1, description: The item's number, example: "42" }
                  - { name: page, location: QUERY, type: INT, minimum: 1, maximum: 100, default: "1", description: Page of results }
                  - { name: tag, location: QUERY, isArray: true, maxLength: 10, description: Tags to match }
                  - { name: sort, location: QUERY, enum: [asc, desc] }
                  - { name: X-Tenant, location: HEADER, required: true, pattern: "t-[0-9]+", description: The tenant }
              - id: place-order
                group: shop
                name: Create an order
                methods: [POST]
                path: /orders
                backend: echo
                authType: AppSignature
                parameters:
                  - name: order
                    location: BODY
                    required: true
                    description: The order
                    schema: '{{{OrderSchema}}}'
                    example: '{"sku":"A-1","qty":3}'
              - id: login
                group: shop
                name: Log in
                methods: [POST]
                path: /login
                backend: echo
                authType: AppSignature
                parameters:
                  - { name: user, location: FORM, required: true }
                  - { name: pass, location: FORM, required: true }
                  - { name: remember, location: FORM, type: BOOLEAN }
              - { id: nonce-ping, group: shop, name: Ping with a nonce, methods: [GET], path: /nonce, backend: echo, authType: AppSignature, nonceRequired: true, signatureMethods: [HmacSHA256] }
              - { id: shop-hello, group: shop, name: Say hello, methods: [GET], path: "/hello/{name}", backend: echo }
              - id: status
                group: shop
                name: Status
                methods: [GET]
                path: /status
                backend: echo
                mock: { status: 200, headers: [{ name: Content-Type, value: application/json }], body: '{"up": true}' }
              - { id: whoami, group: shop, name: Who am I, methods: [GET], path: /whoami, backend: echo, authType: OpenIdConnect, openIdConnect: { provider: login } }
              - { id: draft-only, group: shop, name: Never published, methods: [GET], path: /draft, backend: echo }
              - { id: pre-only, group: shop, name: In PRE only, methods: [GET, DELETE], path: "/pre/{id}", backend: echo }
            deployments:
              - { api: get-item, stage: RELEASE }
              - { api: place-order, stage: RELEASE }
              - { api: login, stage: RELEASE }
              - { api: nonce-ping, stage: RELEASE }
              - { api: shop-hello, stage: RELEASE }
              - { api: status, stage: RELEASE }
              - { api: whoami, stage: RELEASE }
              - { api: pre-only, stage: PRE }
            """);

        await CallerAdmin.PutAppAsync(Gateway.Admin, "sdk-app", "alice");
        Key = await CallerAdmin.CreateKeyAsync(Gateway.Admin, "sdk-app");
        foreach (var api in new[] { "get-item", "place-order", "login", "nonce-ping" })
        {
            await CallerAdmin.GrantAsync(Gateway.Admin, "sdk-app", api);
        }

        var last = await CallerAdmin.PutAppAsync(Gateway.Admin, "no-grant-app", "bob");
        await Gateway.WaitForRevisionAsync(last);
    }

    /// <summary>A fresh token of the identity provider the OpenID Connect API trusts, valid long enough for a compile and a run.</summary>
    public string Token() => _tokens.Rs256(_tokens.Claims(DateTimeOffset.UtcNow, lifetime: TimeSpan.FromMinutes(30)));

    /// <summary>A download from the admin API that must succeed.</summary>
    public async Task<byte[]> GetBytesAsync(string path)
    {
        using var response = await Gateway.Admin.GetAsync(path);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    /// <summary>Downloads an SDK and unzips it into a new folder, deleted when disposed.</summary>
    public async Task<TempFolder> UnzipSdkAsync(string path)
    {
        var folder = new TempFolder();
        using var zip = new ZipArchive(new MemoryStream(await GetBytesAsync(path)));
        zip.ExtractToDirectory(folder.Path);
        return folder;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
        _tokens.Dispose();
    }
}

/// <summary>A new folder under the temporary directory, deleted with everything in it when disposed.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("gateway-sdk-").FullName;

    public static implicit operator string(TempFolder folder) => folder.Path;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A compiler server may still hold a file for a moment; the folder is in the temporary directory anyway.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SdkGatewayCollection : ICollectionFixture<SdkGatewayFixture>
{
    public const string Name = "sdk gateway";
}
