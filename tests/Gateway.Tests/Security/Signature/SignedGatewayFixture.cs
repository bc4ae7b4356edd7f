using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Security.Signature;

/// <summary>
/// One embedded gateway with signed APIs, a real backend, and apps in every state a test needs: granted,
/// disabled, without a grant, with an expired grant. Every log record of the gateway is captured.
/// </summary>
public sealed class SignedGatewayFixture : IAsyncLifetime
{
    public EchoBackend Backend { get; private set; } = null!;

    public EmbeddedGateway Gateway { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    /// <summary>Granted on every signed API in RELEASE.</summary>
    public TestSigner Granted { get; private set; } = null!;

    public TestSigner Disabled { get; private set; } = null!;

    public TestSigner NoGrant { get; private set; } = null!;

    public TestSigner ExpiredGrant { get; private set; } = null!;

    /// <summary>Every secret the admin API handed out; none may ever appear in a log or a later response.</summary>
    public List<string> Secrets { get; } = [];

    public async Task InitializeAsync()
    {
        Backend = await EchoBackend.StartAsync();
        Gateway = await EmbeddedGateway.StartAsync(
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Gateway"] = "Debug",
            },
            configure: builder => builder.Logging.AddProvider(Logs));
        await Gateway.ImportAsync($$"""
            groups:
              - name: shop
                basePath: /shop
            backends:
              - name: echo
                addresses: ["{{Backend.Address}}"]
            apis:
              - { id: signed-get, group: shop, name: Signed get, methods: [GET], path: "/signed/{id}", backend: echo, authType: AppSignature }
              - { id: signed-post, group: shop, name: Signed post, methods: [POST, PUT], path: /signed, backend: echo, authType: AppSignature }
              - { id: nonce-required, group: shop, name: Nonce required, methods: [GET], path: /nonce, backend: echo, authType: AppSignature, nonceRequired: true }
              - { id: sha256-only, group: shop, name: HmacSHA256 only, methods: [GET], path: /strict, backend: echo, authType: AppSignature, signatureMethods: [HmacSHA256] }
              - { id: open, group: shop, name: Anonymous, methods: [GET], path: /open, backend: echo }
            deployments:
              - { api: signed-get, stage: RELEASE }
              - { api: signed-post, stage: RELEASE }
              - { api: nonce-required, stage: RELEASE }
              - { api: sha256-only, stage: RELEASE }
              - { api: open, stage: RELEASE }
            """);

        Granted = await NewApp("granted", "alice", grants: ["signed-get", "signed-post", "nonce-required", "sha256-only"]);
        Disabled = await NewApp("disabled", "bob", grants: ["signed-get"], enabled: false);
        NoGrant = await NewApp("no-grant", "carol", grants: []);
        ExpiredGrant = await NewApp("expired", "dave", grants: []);
        var last = await CallerAdmin.GrantAsync(Gateway.Admin, "expired", "signed-get", expiresAt: DateTimeOffset.UtcNow.AddMinutes(-1));
        await Gateway.WaitForRevisionAsync(last);
    }

    /// <summary>An app with a fresh key and grants in RELEASE; returns a signer holding its key.</summary>
    public async Task<TestSigner> NewApp(string id, string owner, string[] grants, bool enabled = true)
    {
        await CallerAdmin.PutAppAsync(Gateway.Admin, id, owner, enabled);
        var key = await CallerAdmin.CreateKeyAsync(Gateway.Admin, id);
        Secrets.Add(key.AppSecret);
        var revision = key.Revision;
        foreach (var api in grants)
        {
            revision = await CallerAdmin.GrantAsync(Gateway.Admin, id, api);
        }

        await Gateway.WaitForRevisionAsync(revision);
        return new TestSigner(key.AppKey, key.AppSecret);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
