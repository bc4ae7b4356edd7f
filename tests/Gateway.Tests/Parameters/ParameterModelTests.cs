using System.Text.Json;
using Gateway.Catalog;
using Gateway.Silo.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Gateway.Tests.Parameters;

/// <summary>The new definition fields survive every way a definition travels: Orleans between silos and frontends, JSON and YAML documents.</summary>
public sealed class ParameterModelTests
{
    private static readonly ApiDefinition Api = new()
    {
        Id = "a", Group = "g", Name = "A", Methods = ["POST"], Path = "/a/{id}", Backend = "b", BackendPath = "/x/{id}",
        RequestMode = RequestMode.Mapping,
        Parameters =
        [
            new ApiParameter
            {
                Name = "id", Location = ParameterLocation.Path, Type = ParameterType.Long, Required = true, Minimum = -9223372036854775808m,
                Maximum = 9223372036854775807m, Description = "the id", Example = "42",
            },
            new ApiParameter
            {
                Name = "tag", Location = ParameterLocation.Query, IsArray = true, Enum = ["a", "b"], MinLength = 1, MaxLength = 3, Pattern = "[ab]",
                BackendName = "t", BackendLocation = ParameterLocation.Header, Default = "a",
            },
            new ApiParameter { Name = "body", Location = ParameterLocation.Body, Schema = """{"type":"object"}""" },
        ],
        Constants = [new ConstantParameter { Name = "Host", Location = ParameterLocation.Header, Value = "h.internal", Description = "ingress" }],
        SystemParameters = [new SystemParameter { Kind = SystemParameterKind.RequestTime, Name = "X-Time", Location = ParameterLocation.Header }],
        MaxBodyBytes = 1 << 20,
        ContentTypes = ["application/json"],
        Mock = new MockResponse { Status = 201, Body = "ok", Headers = [new MockHeader { Name = "X-M", Value = "1" }], Stages = ["TEST"] },
    };

    private static string Json(ApiDefinition api) => JsonSerializer.Serialize(api);

    [Fact]
    public void Orleans_serialization_keeps_every_field()
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(ApiDefinition).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<ApiDefinition>>();
        var copy = serializer.Deserialize(serializer.SerializeToArray(Api));
        Assert.Equal(Json(Api), Json(copy!));
    }

    [Fact]
    public void Json_and_yaml_documents_keep_every_field()
    {
        var document = new CatalogDocument { Apis = [Api] };
        var fromJson = CatalogDocumentFormat.Parse(CatalogDocumentFormat.ToJson(document), "json");
        var fromYaml = CatalogDocumentFormat.Parse(CatalogDocumentFormat.ToYaml(document), "yaml");
        Assert.Equal(Json(Api), Json(CatalogNormalizer.Normalize(fromJson).Apis.Single()));
        Assert.Equal(Json(Api), Json(CatalogNormalizer.Normalize(fromYaml).Apis.Single()));
    }

    [Fact]
    public void Documents_accept_locations_types_and_kinds_in_any_case()
    {
        const string yaml = """
            apis:
              - id: a
                requestMode: mapping
                parameters:
                  - {name: x, location: query, type: Int}
                systemParameters:
                  - {kind: ClientIp, name: X-Ip, location: HEADER}
            """;
        var api = CatalogDocumentFormat.Parse(yaml, "yaml").Apis.Single();
        Assert.Equal(RequestMode.Mapping, api.RequestMode);
        Assert.Equal((ParameterLocation.Query, ParameterType.Int), (api.Parameters[0].Location, api.Parameters[0].Type));
        Assert.Equal(SystemParameterKind.ClientIp, api.SystemParameters[0].Kind);
    }
}
