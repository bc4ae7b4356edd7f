using Gateway.Catalog;

namespace Gateway.Tests.Catalog;

/// <summary>The catalog refuses parameter definitions that could never work, listing every problem at once.</summary>
public sealed class ParameterValidationCatalogTests
{
    private static CatalogState State(ApiDefinition api)
    {
        var state = new CatalogState();
        state.Groups["shop"] = new ApiGroup { Name = "shop" };
        state.Backends["orders"] = new Backend { Name = "orders", Addresses = ["http://orders.default.svc:8080"] };
        state.Apis[api.Id] = api;
        return state;
    }

    private static ApiDefinition Api(RequestMode mode = RequestMode.Passthrough) => new()
    {
        Id = "a", Group = "shop", Name = "a", Methods = ["POST"], Path = "/orders/{id}", Backend = "orders", RequestMode = mode,
    };

    private static List<(string Path, string Code)> Errors(ApiDefinition api) =>
        [.. CatalogValidator.Validate(State(api)).Select(e => (e.Path, e.Code))];

    private static ApiParameter Q(string name, ParameterType type = ParameterType.String) => new() { Name = name, Location = ParameterLocation.Query, Type = type };

    [Fact]
    public void A_complete_mapping_definition_is_valid()
    {
        var api = Api(RequestMode.Mapping) with
        {
            BackendPath = "/v1/orders/{orderId}/{tenant}",
            Parameters =
            [
                new ApiParameter { Name = "id", Location = ParameterLocation.Path, Type = ParameterType.Long, Required = true, BackendName = "orderId", Minimum = 1 },
                Q("size", ParameterType.Int) with { Default = "10", Minimum = 1, Maximum = 100, Example = "20", BackendLocation = ParameterLocation.Header, BackendName = "X-Size" },
                Q("tag") with { IsArray = true, Enum = ["a", "b"], BackendLocation = ParameterLocation.Form },
                new ApiParameter { Name = "X-Mode", Location = ParameterLocation.Header, Pattern = "[a-z]{1,8}", MaxLength = 8, BackendLocation = ParameterLocation.Query, BackendName = "mode" },
            ],
            Constants = [new ConstantParameter { Name = "tenant", Location = ParameterLocation.Path, Value = "t1" }, new ConstantParameter { Name = "Host", Location = ParameterLocation.Header, Value = "orders.internal" }],
            SystemParameters = [new SystemParameter { Kind = SystemParameterKind.ClientIp, Name = "X-Client-Ip", Location = ParameterLocation.Header }],
            MaxBodyBytes = 1024,
            ContentTypes = ["application/x-www-form-urlencoded", "text/*"],
            Mock = new MockResponse { Status = 200, Body = "{}", Headers = [new MockHeader { Name = "Content-Type", Value = "application/json" }], Stages = ["TEST"] },
        };
        Assert.Empty(CatalogValidator.Validate(State(api)));
    }

    [Fact]
    public void Every_rule_problem_is_listed()
    {
        var api = Api() with
        {
            Parameters =
            [
                Q("bad-regex") with { Pattern = "([a-z" },
                Q("range", ParameterType.Int) with { Minimum = 10, Maximum = 1 },
                Q("lengths") with { MinLength = 5, MaxLength = 2 },
                Q("negative") with { MinLength = -1 },
                Q("default", ParameterType.Int) with { Default = "50", Maximum = 10 },
                Q("example") with { Example = "ABC", Pattern = "[a-z]+" },
                Q("enum", ParameterType.Int) with { Enum = ["1", "one", "1"] },
                Q("enum-range", ParameterType.Int) with { Enum = ["5"], Maximum = 3 },
                Q("wrong-rule", ParameterType.Boolean) with { Minimum = 1, MaxLength = 3 },
                Q("dup"),
                Q("dup"),
                Q("required-default") with { Required = true, Default = "x" },
                new ApiParameter { Name = "nope", Location = ParameterLocation.Path },
                new ApiParameter { Name = "Bad Header", Location = ParameterLocation.Header },
                Q("arr-path") with { Location = ParameterLocation.Path, Name = "id", IsArray = true },
                Q("loc") with { Location = (ParameterLocation)42 },
                Q("mapped") with { BackendName = "m" },
            ],
        };

        var errors = Errors(api);
        Assert.Contains(("apis[a].parameters[bad-regex].pattern", "BadPattern"), errors);
        Assert.Contains(("apis[a].parameters[range].minimum", "MinAboveMax"), errors);
        Assert.Contains(("apis[a].parameters[lengths].minLength", "MinAboveMax"), errors);
        Assert.Contains(("apis[a].parameters[negative].minLength", "OutOfRange"), errors);
        Assert.Contains(("apis[a].parameters[default].default", "BadDefault"), errors);
        Assert.Contains(("apis[a].parameters[example].example", "BadExample"), errors);
        Assert.Contains(("apis[a].parameters[enum].enum", "BadEnum"), errors);
        Assert.Contains(("apis[a].parameters[enum].enum", "DuplicateEnum"), errors);
        Assert.Contains(("apis[a].parameters[enum-range].enum", "BadEnum"), errors);
        Assert.Equal(2, errors.Count(e => e == ("apis[a].parameters[wrong-rule]", "RuleNotForType")));
        Assert.Contains(("apis[a].parameters[dup].name", "DuplicateParameter"), errors);
        Assert.Contains(("apis[a].parameters[required-default].default", "DefaultOnRequired"), errors);
        Assert.Contains(("apis[a].parameters[nope].name", "UnknownPathParameter"), errors);
        Assert.Contains(("apis[a].parameters[Bad Header].name", "BadName"), errors);
        Assert.Contains(("apis[a].parameters[id].isArray", "ArrayNotAllowed"), errors);
        Assert.Contains(("apis[a].parameters[loc].location", "BadLocation"), errors);
        Assert.Contains(("apis[a].parameters[mapped]", "MappingNeedsMappingMode"), errors);
    }

    [Fact]
    public void Mappings_to_a_location_that_cannot_hold_the_value_are_refused()
    {
        var api = Api(RequestMode.Mapping) with
        {
            BackendPath = "/v1/{id}/{slot}",
            Parameters =
            [
                new ApiParameter { Name = "id", Location = ParameterLocation.Path, Required = true },
                Q("arr") with { IsArray = true, BackendLocation = ParameterLocation.Path, BackendName = "slot" },
                Q("optional") with { BackendLocation = ParameterLocation.Path, BackendName = "nowhere" },
                Q("to-body") with { BackendLocation = ParameterLocation.Body },
                new ApiParameter { Name = "json", Location = ParameterLocation.Body, Schema = """{"type":"object"}""", BackendLocation = ParameterLocation.Query },
                Q("twice") with { BackendName = "same" },
                Q("again") with { BackendName = "same" },
                Q("conn") with { BackendLocation = ParameterLocation.Header, BackendName = "Content-Length" },
            ],
            Constants = [new ConstantParameter { Name = "body", Location = ParameterLocation.Body, Value = "x" }],
        };

        var errors = Errors(api);
        Assert.Contains(("apis[a].parameters[arr].backendLocation", "UnmappableLocation"), errors);
        Assert.Contains(("apis[a].parameters[optional].backendLocation", "UnmappableLocation"), errors);
        Assert.Contains(("apis[a].parameters[optional].backendName", "UnknownPathParameter"), errors);
        Assert.Contains(("apis[a].parameters[to-body].backendLocation", "UnmappableLocation"), errors);
        Assert.Contains(("apis[a].parameters[json].backendLocation", "UnmappableLocation"), errors);
        Assert.Contains(("apis[a].parameters[again]", "DuplicateTarget"), errors);
        Assert.Contains(("apis[a].parameters[conn]", "ReservedHeader"), errors);
        Assert.Contains(("apis[a].constants[body].location", "UnmappableLocation"), errors);
    }

    [Fact]
    public void Mapping_mode_needs_every_path_parameter_defined()
    {
        var errors = Errors(Api(RequestMode.Mapping));
        Assert.Contains(("apis[a].path", "UndefinedPathParameter"), errors);
        Assert.Contains(("apis[a].backendPath", "UnmappedPathParameter"), errors);
    }

    [Fact]
    public void Passthrough_cannot_add_to_the_path_or_the_body()
    {
        var api = Api() with
        {
            Constants = [new ConstantParameter { Name = "f", Location = ParameterLocation.Form, Value = "x" }],
            SystemParameters = [new SystemParameter { Kind = SystemParameterKind.Stage, Name = "id", Location = ParameterLocation.Path }],
        };
        var errors = Errors(api);
        Assert.Contains(("apis[a].constants[f].location", "UnmappableLocation"), errors);
        Assert.Contains(("apis[a].systemParameters[id].location", "UnmappableLocation"), errors);
    }

    [Fact]
    public void Body_parameters_need_a_usable_schema_and_no_form()
    {
        var api = Api() with
        {
            Parameters =
            [
                new ApiParameter { Name = "b1", Location = ParameterLocation.Body, Schema = "{not json" },
                new ApiParameter { Name = "b2", Location = ParameterLocation.Body, Schema = """{"type": 12}""", MaxLength = 3 },
                new ApiParameter { Name = "b3", Location = ParameterLocation.Body },
                new ApiParameter { Name = "f", Location = ParameterLocation.Form },
                Q("q") with { Schema = "{}" },
            ],
            ContentTypes = ["text/plain"],
        };

        var errors = Errors(api);
        Assert.Contains(("apis[a].parameters[b1].schema", "BadSchema"), errors);
        Assert.Contains(("apis[a].parameters[b2].schema", "BadSchema"), errors);
        Assert.Contains(("apis[a].parameters[b2]", "RuleNotForBody"), errors);
        Assert.Contains(("apis[a].parameters[b3].schema", "Required"), errors);
        Assert.Contains(("apis[a].parameters[q].schema", "RuleNotForLocation"), errors);
        Assert.Contains(("apis[a].parameters", "DuplicateBody"), errors);
        Assert.Contains(("apis[a].parameters", "BodyConflict"), errors);
        Assert.Equal(2, errors.Count(e => e == ("apis[a].contentTypes", "ContentTypeConflict")));
    }

    [Fact]
    public void Body_limits_content_types_and_mocks_are_checked()
    {
        var api = Api() with
        {
            MaxBodyBytes = -1,
            ContentTypes = ["json", "*/*", "text/plain", "TEXT/plain"],
            Mock = new MockResponse
            {
                Status = 99,
                Body = new string('x', MockResponse.MaxBodyBytes + 1),
                Headers = [new MockHeader { Name = "Transfer-Encoding", Value = "chunked" }, new MockHeader { Name = "X-Ok", Value = "caf\u00e9" }],
                Stages = ["PROD"],
            },
            SystemParameters = [new SystemParameter { Kind = (SystemParameterKind)99, Name = "X-What", Location = ParameterLocation.Header }],
        };

        var errors = Errors(api);
        Assert.Contains(("apis[a].maxBodyBytes", "OutOfRange"), errors);
        Assert.Equal(2, errors.Count(e => e == ("apis[a].contentTypes", "BadContentType")));
        Assert.Contains(("apis[a].contentTypes", "DuplicateContentType"), errors);
        Assert.Contains(("apis[a].mock.status", "OutOfRange"), errors);
        Assert.Contains(("apis[a].mock.body", "MockTooLarge"), errors);
        Assert.Contains(("apis[a].mock.headers", "ReservedHeader"), errors);
        Assert.Contains(("apis[a].mock.headers", "BadHeaderValue"), errors);
        Assert.Contains(("apis[a].mock.stages", "UnknownStage"), errors);
        Assert.Contains(("apis[a].systemParameters[X-What].kind", "BadSystemParameter"), errors);
    }

    [Fact]
    public void A_mock_body_of_exactly_50_KB_is_accepted()
    {
        var api = Api() with { Mock = new MockResponse { Body = new string('x', MockResponse.MaxBodyBytes) } };
        Assert.Empty(CatalogValidator.Validate(State(api)));
    }
}
