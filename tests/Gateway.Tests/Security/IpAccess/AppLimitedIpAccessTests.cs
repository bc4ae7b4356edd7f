using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security.IpAccess;

/// <summary>
/// An allow entry limited to one app, end to end: the address is admitted for that app's signed calls only,
/// which can be decided only once the signature has named the app.
/// </summary>
public sealed class AppLimitedIpAccessTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private EmbeddedGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync();
        _gateway = await EmbeddedGateway.StartAsync();
        await _gateway.ImportAsync($$"""
            groups: [{ name: partners }]
            backends: [{ name: echo, addresses: ["{{_backend.Address}}"] }]
            apis:
              - id: partner-feed
                group: partners
                name: Partner feed
                methods: [GET]
                path: /feed
                backend: echo
                authType: AppSignature
                ipAccess:
                  allow:
                    - { address: 127.0.0.1, app: trusted }
            deployments: [{ api: partner-feed, stage: RELEASE }]
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Only_the_named_app_is_admitted_from_the_address()
    {
        var trusted = await NewApp("trusted");
        var other = await NewApp("other");

        using (var admitted = await _gateway.Gateway.SendAsync(trusted.Create(HttpMethod.Get, "/feed")))
        {
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }

        // Same address, a valid signature and a grant, but not the app the entry names.
        using var refused = await _gateway.Gateway.SendAsync(other.Create(HttpMethod.Get, "/feed"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("A403IP", refused.Headers.GetValues("X-Ca-Error-Code").Single());
        Assert.Equal(1, _backend.Requests);
    }

    private async Task<TestSigner> NewApp(string id)
    {
        await CallerAdmin.PutAppAsync(_gateway.Admin, id, owner: id + "-owner");
        var key = await CallerAdmin.CreateKeyAsync(_gateway.Admin, id);
        var revision = await CallerAdmin.GrantAsync(_gateway.Admin, id, "partner-feed");
        await _gateway.WaitForRevisionAsync(revision);
        return new TestSigner(key.AppKey, key.AppSecret);
    }
}
