using Gateway.Catalog;
using Gateway.Frontend.Catalog;
using Gateway.Frontend.Parameters;
using Gateway.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Tests.Frontend.Pipeline;

/// <summary>
/// A request is decided by one compiled catalog, the newest one whose API is the one the matched route was built for:
/// a route template of revision N that N+1 changed leads to revision N's API, IP policy and callers, never to a mix.
/// </summary>
public sealed class CatalogPinningTests
{
    private readonly InMemoryConfigProvider _proxy = new([], []);
    private readonly CatalogSnapshotStore _store;

    public CatalogPinningTests() => _store = new CatalogSnapshotStore(_proxy, new ParameterSettings(), TimeProvider.System, NullLogger<CatalogSnapshotStore>.Instance);

    [Fact]
    public void A_route_of_the_previous_revision_finds_that_revisions_api_and_callers()
    {
        _store.Apply(Snapshot(1, version: 1, path: "/old", deny: "203.0.113.0/24", appKey: "key-1"));
        var oldRoute = Route();
        _store.Apply(Snapshot(2, version: 2, path: "/new", deny: null, appKey: "key-2"));
        var newRoute = Route();

        Assert.True(_store.TryFindRoute(oldRoute, out var oldCatalog, out var oldApi));
        Assert.Equal((1, 1, "/old"), (oldCatalog.Revision, oldApi.Api.Version, oldApi.Api.Definition.Path));
        Assert.False(oldApi.IpAccess.Evaluate(System.Net.IPAddress.Parse("203.0.113.9")).Allowed);
        Assert.True(oldCatalog.Callers.TryFindKey("key-1", out _));
        Assert.False(oldCatalog.Callers.TryFindKey("key-2", out _));

        Assert.True(_store.TryFindRoute(newRoute, out var newCatalog, out var newApi));
        Assert.Equal((2, 2, "/new"), (newCatalog.Revision, newApi.Api.Version, newApi.Api.Definition.Path));
        Assert.True(newApi.IpAccess.Evaluate(System.Net.IPAddress.Parse("203.0.113.9")).Allowed);
        Assert.True(newCatalog.Callers.TryFindKey("key-2", out _));
        Assert.Same(newCatalog, _store.Compiled);
    }

    [Fact]
    public void A_route_older_than_the_catalogs_held_finds_nothing_rather_than_a_newer_api()
    {
        _store.Apply(Snapshot(1, version: 1, path: "/a", deny: null, appKey: "k"));
        var first = Route();
        _store.Apply(Snapshot(2, version: 2, path: "/b", deny: null, appKey: "k"));
        _store.Apply(Snapshot(3, version: 3, path: "/c", deny: null, appKey: "k"));

        Assert.False(_store.TryFindRoute(first, out _, out _));
        Assert.True(_store.TryFindRoute(Route(), out var current, out _));
        Assert.Equal(3, current.Revision);
    }

    [Fact]
    public void A_route_the_new_revision_left_as_it_was_finds_the_new_catalog()
    {
        _store.Apply(Snapshot(1, version: 1, path: "/a", deny: null, appKey: "key-1"));
        var route = Route();
        _store.Apply(Snapshot(2, version: 1, path: "/a", deny: null, appKey: "key-2"));

        // The same API version under the same template: the request gets the newest callers (a new key, a revoke).
        Assert.True(_store.TryFindRoute(route, out var catalog, out _));
        Assert.Equal(2, catalog.Revision);
        Assert.True(catalog.Callers.TryFindKey("key-2", out _));
    }

    [Fact]
    public void Every_api_is_compiled_once_with_its_catalog()
    {
        _store.Apply(Snapshot(1, version: 1, path: "/a", deny: null, appKey: "k"));

        Assert.True(_store.TryFindRoute(Route(), out var catalog, out var api));
        Assert.True(catalog.TryFindRoute(Route().RouteId, out var again));
        Assert.Same(api, again);
        Assert.Same(api.Parameters, again.Parameters);
        Assert.Equal("shop", api.Group.Name);
    }

    private RouteConfig Route() => Assert.Single(_proxy.GetConfig().Routes);

    private static CatalogSnapshot Snapshot(long revision, int version, string path, string? deny, string appKey) => new()
    {
        Revision = revision,
        Groups = [new ApiGroup { Name = "shop" }],
        Backends = [new Backend { Name = "orders", Addresses = ["http://127.0.0.1:9"] }],
        Apis =
        [
            new PublishedApi
            {
                Stage = StageName.Release,
                Version = version,
                Definition = new ApiDefinition
                {
                    Id = "get-order", Group = "shop", Name = "Get", Methods = ["GET"], Path = path, Backend = "orders",
                    IpAccess = deny is null ? null : new IpAccessControl { Deny = [deny] },
                },
            },
        ],
        Apps = [new App { Id = "a-1", Name = "A", Owner = "o", Enabled = true }],
        AppKeys = [new AppKey { App = "a-1", Key = appKey, Secret = "s" }],
    };
}
