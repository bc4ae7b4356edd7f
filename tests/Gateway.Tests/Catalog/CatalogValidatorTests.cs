using Gateway.Catalog;

namespace Gateway.Tests.Catalog;

public sealed class CatalogValidatorTests
{
    private static CatalogState ValidState()
    {
        var state = new CatalogState();
        state.Groups["shop"] = new ApiGroup { Name = "shop", Domains = ["shop.example.com"], BasePath = "/shop" };
        state.Backends["orders"] = new Backend { Name = "orders", Addresses = ["http://orders.default.svc:8080"] };
        state.Apis["get-order"] = Api("get-order", "/orders/{id}");
        return state;
    }

    private static ApiDefinition Api(string id, string path, string method = "GET") => new()
    {
        Id = id, Group = "shop", Name = id, Methods = [method], Path = path, Backend = "orders",
    };

    private static void Publish(CatalogState state, string apiId, string stage)
    {
        var list = state.Versions.TryGetValue(apiId, out var l) ? l : state.Versions[apiId] = [];
        var version = list.Count + 1;
        list.Add(new ApiVersion { Version = version, Stage = stage, Definition = state.Apis[apiId] });
        if (!state.Deployments.TryGetValue(apiId, out var stages))
        {
            state.Deployments[apiId] = stages = new Dictionary<string, StageStatus>();
        }

        stages[stage] = new StageStatus { Stage = stage, Version = version };
    }

    [Fact]
    public void A_valid_catalog_has_no_errors() => Assert.Empty(CatalogValidator.Validate(ValidState()));

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var state = ValidState();
        state.Backends["bad"] = new Backend { Name = "bad", Addresses = ["ftp://x", "not a url", "http://h/?q=1"], ConnectTimeoutMs = 0, HostHeader = "a b" };
        state.Apis["broken"] = new ApiDefinition
        {
            Id = "broken", Group = "nogroup", Name = "", Methods = ["FETCH"], Path = "orders", Backend = "missing", BackendPath = "/x/{y}",
        };

        var errors = CatalogValidator.Validate(state);
        var codes = errors.Select(e => (e.Path, e.Code)).ToList();
        Assert.Contains(("backends[bad].addresses", "BadAddress"), codes);
        Assert.Equal(3, errors.Count(e => e.Code == "BadAddress"));
        Assert.Contains(("backends[bad].connectTimeoutMs", "OutOfRange"), codes);
        Assert.Contains(("backends[bad].hostHeader", "BadHostHeader"), codes);
        Assert.Contains(("apis[broken].group", "UnknownGroup"), codes);
        Assert.Contains(("apis[broken].backend", "UnknownBackend"), codes);
        Assert.Contains(("apis[broken].name", "Required"), codes);
        Assert.Contains(("apis[broken].methods", "BadMethod"), codes);
        Assert.Contains(("apis[broken].path", "BadTemplate"), codes);
    }

    [Fact]
    public void Backend_path_may_only_use_parameters_of_the_path()
    {
        var state = ValidState();
        state.Apis["get-order"] = Api("get-order", "/orders/{id}") with { BackendPath = "/v1/{id}/{other}" };
        var error = Assert.Single(CatalogValidator.Validate(state));
        Assert.Equal("UnknownParameter", error.Code);
        Assert.Contains("{other}", error.Message);
    }

    [Fact]
    public void Two_live_apis_on_the_same_method_and_path_shape_in_one_stage_collide()
    {
        var state = ValidState();
        state.Apis["other"] = Api("other", "/ORDERS/{orderId}");
        Publish(state, "get-order", StageName.Release);
        Publish(state, "other", StageName.Test);
        Assert.Empty(CatalogValidator.Validate(state)); // different stages

        Publish(state, "other", StageName.Release);
        var error = Assert.Single(CatalogValidator.Validate(state));
        Assert.Equal("DuplicateRoute", error.Code);
        Assert.Contains("get-order", error.Message);
    }

    [Fact]
    public void Different_methods_on_one_path_do_not_collide()
    {
        var state = ValidState();
        state.Apis["create"] = Api("create", "/orders/{id}", "POST");
        Publish(state, "get-order", StageName.Release);
        Publish(state, "create", StageName.Release);
        Assert.Empty(CatalogValidator.Validate(state));
    }

    [Fact]
    public void Two_groups_cannot_claim_one_domain()
    {
        var state = ValidState();
        state.Groups["other"] = new ApiGroup { Name = "other", Domains = ["SHOP.example.com"] };
        Assert.Equal("DomainTaken", Assert.Single(CatalogValidator.Validate(state)).Code);
    }

    [Fact]
    public void A_live_version_keeps_its_backend_from_being_deleted()
    {
        var state = ValidState();
        Publish(state, "get-order", StageName.Release);
        state.Apis.Remove("get-order");
        state.Backends.Remove("orders");
        Assert.Contains(CatalogValidator.Validate(state), e => e.Code == "BackendInUse");
    }

    [Fact]
    public void The_gateway_reserves_its_health_and_metrics_paths()
    {
        var state = ValidState();
        state.Groups["shop"] = state.Groups["shop"] with { BasePath = "" };
        state.Apis["health"] = Api("health", "/health/live");
        Publish(state, "health", StageName.Release);
        Assert.Equal("ReservedPath", Assert.Single(CatalogValidator.Validate(state)).Code);
    }

    [Theory]
    [InlineData("api.example.com", true)]
    [InlineData("*.example.com", true)]
    [InlineData("bad host", false)]
    [InlineData("", false)]
    [InlineData("http://x.com", false)]
    public void Domains_must_be_host_names(string domain, bool valid)
    {
        var errors = new List<CatalogError>();
        CatalogValidator.ValidateGroup(new ApiGroup { Name = "g", Domains = [domain] }, errors);
        Assert.Equal(valid, errors.Count == 0);
    }
}
