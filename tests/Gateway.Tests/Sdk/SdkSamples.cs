using Gateway.Catalog;
using Gateway.Security;

namespace Gateway.Tests.Sdk;

/// <summary>
/// A published catalog built in code, with awkward names (keywords, digits, dashes, non-ASCII text), for tests of
/// the generator that need no gateway: golden files and determinism.
/// </summary>
public static class SdkSamples
{
    public static CatalogSnapshot Snapshot(long revision = 7) => new()
    {
        Revision = revision,
        Groups =
        [
            new ApiGroup { Name = "shop", BasePath = "/shop", Domains = ["api.example.com", "*.shop.example.com"], Description = "Käse & more" },
        ],
        IdentityProviders = [new IdentityProvider { Name = "login", Issuer = "https://login.example.com/", Audiences = ["shop"] }],
        Apis =
        [
            Published(new ApiDefinition
            {
                Id = "get-item",
                Group = "shop",
                Name = "Get an item",
                Description = "Reads one item; */ and \\u0041 must not end a comment or escape.",
                Methods = ["GET"],
                Path = "/items/{id}",
                AuthType = ApiAuthType.AppSignature,
                Parameters =
                [
                    new ApiParameter { Name = "id", Location = ParameterLocation.Path, Type = ParameterType.Long, Example = "42" },
                    new ApiParameter { Name = "class", Location = ParameterLocation.Query, Enum = ["a", "b"] },
                    new ApiParameter { Name = "2fa", Location = ParameterLocation.Query, Type = ParameterType.Boolean },
                    new ApiParameter { Name = "X-Tenant", Location = ParameterLocation.Header, Required = true, Pattern = "t-[0-9]+" },
                    new ApiParameter { Name = "size", Location = ParameterLocation.Query, Type = ParameterType.Double, Minimum = 0.5m, IsArray = true },
                ],
            }),
            Published(new ApiDefinition
            {
                Id = "put-item",
                Group = "shop",
                Name = "Change an item",
                Methods = ["PUT", "PATCH"],
                Path = "/items/{id}",
                AuthType = ApiAuthType.AppSignatureAndOpenIdConnect,
                NonceRequired = true,
                OpenIdConnect = new OpenIdConnectRequirement { Provider = "login", TokenLocation = TokenLocation.Header, TokenName = "X-Id-Token" },
                Parameters =
                [
                    new ApiParameter { Name = "item", Location = ParameterLocation.Body, Required = true, Schema = """{"type":"object","properties":{"name":{"const":"x"}}}""" },
                ],
            }),
            Published(new ApiDefinition
            {
                Id = "login",
                Group = "shop",
                Name = "Log in",
                Methods = ["POST"],
                Path = "/login",
                AuthType = ApiAuthType.AppSignature,
                Parameters =
                [
                    new ApiParameter { Name = "user", Location = ParameterLocation.Form, Required = true },
                    new ApiParameter { Name = "default", Location = ParameterLocation.Form, Type = ParameterType.Int, Maximum = 9 },
                ],
            }),
            Published(new ApiDefinition { Id = "draft", Group = "shop", Name = "In TEST only", Methods = ["GET"], Path = "/draft" }, StageName.Test),
        ],
    };

    private static PublishedApi Published(ApiDefinition definition, string stage = StageName.Release) =>
        new() { Stage = stage, Version = 3, Definition = definition };
}
