using System.Security.Cryptography;
using System.Text;
using Gateway.Catalog;
using Gateway.Frontend.Security;

namespace Gateway.Tests.Security;

/// <summary>
/// A catalog change rebuilds the caller directory; a secret it left as it was keeps its kept HMAC contexts, and one it
/// changed signs with the new secret at once.
/// </summary>
public sealed class CallerDirectoryTests
{
    [Fact]
    public void Unchanged_secrets_keep_their_key_across_a_catalog_change_and_changed_ones_sign_with_the_new_secret()
    {
        var first = CallerDirectory.Build(Snapshot(1, appSecrets: ("kept", "changed"), backendSecret: "signing-1"));
        var second = CallerDirectory.Build(Snapshot(2, appSecrets: ("kept", "changed-now"), backendSecret: "signing-2"), first);

        Assert.True(first.TryFindKey("key-a", out var keptBefore));
        Assert.True(second.TryFindKey("key-a", out var keptAfter));
        Assert.Same(keptBefore.Secret, keptAfter.Secret);
        Assert.Same(second.Snapshot!.Apps[0], keptAfter.App);

        Assert.True(first.TryFindKey("key-b", out var changedBefore));
        Assert.True(second.TryFindKey("key-b", out var changedAfter));
        Assert.NotSame(changedBefore.Secret, changedAfter.Secret);
        AssertSignsWith("changed-now", changedAfter.Secret);

        Assert.True(first.TryFindBackendKey("orders", out var backendBefore));
        Assert.True(second.TryFindBackendKey("orders", out var backendAfter));
        Assert.NotSame(backendBefore.Key, backendAfter.Key);
        AssertSignsWith("signing-2", backendAfter.Key);

        var third = CallerDirectory.Build(Snapshot(3, appSecrets: ("kept", "changed-now"), backendSecret: "signing-2"), second);
        Assert.True(third.TryFindBackendKey("orders", out var backendKept));
        Assert.Same(backendAfter.Key, backendKept.Key);
    }

    private static void AssertSignsWith(string secret, Gateway.BackendSignature.HmacKey key)
    {
        Span<byte> mac = stackalloc byte[32];
        key.Compute("HmacSHA256", "GET\n/orders"u8, mac);
        Assert.Equal(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), "GET\n/orders"u8), mac.ToArray());
    }

    private static CatalogSnapshot Snapshot(long revision, (string A, string B) appSecrets, string backendSecret) => new()
    {
        Revision = revision,
        Backends = [new Backend { Name = "orders", Addresses = ["http://127.0.0.1:9"], SigningKey = "bench" }],
        BackendSigningKeys = [new BackendSigningKey { Backend = "orders", Name = "bench", Secret = backendSecret }],
        Apps = [new App { Id = "a-1", Name = "A", Owner = "o", Enabled = true }],
        AppKeys = [new AppKey { App = "a-1", Key = "key-a", Secret = appSecrets.A }, new AppKey { App = "a-1", Key = "key-b", Secret = appSecrets.B }],
    };
}
