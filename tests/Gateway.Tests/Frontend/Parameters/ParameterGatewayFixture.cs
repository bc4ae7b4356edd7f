using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Frontend.Parameters;

/// <summary>
/// One embedded gateway and one real echo backend shared by the parameter tests, with a catalog of APIs that
/// exercise every rule, location-to-location mapping, constant, system parameter, body limit and content type.
/// </summary>
public sealed class ParameterGatewayFixture : IAsyncLifetime
{
    public EchoBackend Backend { get; private set; } = null!;

    public EmbeddedGateway Gateway { get; private set; } = null!;

    public HttpClient Client => Gateway.Gateway;

    public async Task InitializeAsync()
    {
        Backend = await EchoBackend.StartAsync();
        Gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Parameters:RegexTimeoutMs"] = "50" });
        var revision = await ImportAsync(Gateway, Catalog(Backend.Address));
        await Gateway.WaitForRevisionAsync(revision);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }

    /// <summary>Imports a document and returns the catalog revision it made.</summary>
    public static async Task<long> ImportAsync(EmbeddedGateway gateway, string yaml)
    {
        using var response = await gateway.Admin.PostAsync("/v1/catalog/import?mode=merge", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import refused: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64();
    }

    public static async Task<EchoResponse> EchoAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<EchoResponse>(text, JsonSerializerOptions.Web)!;
    }

    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, int status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(code, response.Headers.GetValues("X-Ca-Error-Code").Single());
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, body.GetProperty("errorCode").GetString());
        return body;
    }

    private static string Catalog(Uri echo) => $$$$"""
        groups:
          - name: p
            basePath: /p
        backends:
          - name: echo
            addresses: ["{{{{echo}}}}"]
        apis:
          - id: checks
            group: p
            backend: echo
            name: Checks
            methods: [GET]
            path: /checks/{id}
            parameters:
              - {name: id, location: PATH, type: INT, required: true, minimum: 1, maximum: 1000}
              - {name: q, location: QUERY, minLength: 2, maxLength: 5, pattern: "[a-z]+"}
              - {name: n, location: QUERY, type: INT, required: true}
              - {name: X-Flag, location: HEADER, type: BOOLEAN}
              - {name: tags, location: QUERY, isArray: true, enum: [a, b, c]}
              - {name: ratio, location: QUERY, type: DOUBLE, minimum: 0, maximum: 1}
              - {name: big, location: QUERY, type: LONG}
              - {name: f, location: QUERY, type: FLOAT}
              - {name: hostile, location: QUERY, pattern: "(a+)+b"}
          - id: map
            group: p
            backend: echo
            name: Map everything
            methods: [POST]
            path: /map/{path2path}/{path2query}/{path2header}/{path2form}
            backendPath: /back/{bpath}/{bquery}/{bheader}/{bform}
            requestMode: MAPPING
            parameters:
              - {name: path2path, location: PATH, required: true, backendName: bpath}
              - {name: path2query, location: PATH, required: true, backendLocation: QUERY, backendName: fromPath}
              - {name: path2header, location: PATH, required: true, backendLocation: HEADER, backendName: X-From-Path}
              - {name: path2form, location: PATH, required: true, backendLocation: FORM, backendName: fromPath}
              - {name: query2path, location: QUERY, required: true, backendLocation: PATH, backendName: bquery}
              - {name: query2query, location: QUERY, backendName: fromQuery}
              - {name: query2header, location: QUERY, backendLocation: HEADER, backendName: X-From-Query}
              - {name: query2form, location: QUERY, backendLocation: FORM, backendName: fromQuery}
              - {name: X-H2P, location: HEADER, required: true, backendLocation: PATH, backendName: bheader}
              - {name: X-H2Q, location: HEADER, backendLocation: QUERY, backendName: fromHeader}
              - {name: X-H2H, location: HEADER, backendName: X-From-Header}
              - {name: X-H2F, location: HEADER, backendLocation: FORM, backendName: fromHeader}
              - {name: form2path, location: FORM, required: true, backendLocation: PATH, backendName: bform}
              - {name: form2query, location: FORM, backendLocation: QUERY, backendName: fromForm}
              - {name: form2header, location: FORM, backendLocation: HEADER, backendName: X-From-Form}
              - {name: form2form, location: FORM, backendName: fromForm}
          - id: enc
            group: p
            backend: echo
            name: Encodings
            methods: [GET]
            path: /enc/{seg}
            backendPath: /enc/{v}
            requestMode: MAPPING
            parameters:
              - {name: seg, location: PATH, required: true, backendLocation: QUERY}
              - {name: s, location: QUERY}
              - {name: s2h, location: QUERY, backendLocation: HEADER, backendName: X-S}
              - {name: s2p, location: QUERY, default: "-", backendLocation: PATH, backendName: v}
              - {name: arr, location: QUERY, isArray: true}
              - {name: one, location: QUERY}
              - {name: num, location: QUERY, type: INT}
              - {name: short, location: QUERY, maxLength: 2}
              - {name: long, location: QUERY, maxLength: 5000}
              - {name: size, location: QUERY, type: INT, default: "10"}
          - id: consts
            group: p
            backend: echo
            name: Bestellung prüfen
            methods: [GET]
            path: /consts/{id}
            backendPath: /c/{id}/{tenant}
            requestMode: MAPPING
            parameters:
              - {name: id, location: PATH, required: true}
            constants:
              - {name: tenant, location: PATH, value: t-1}
              - {name: Host, location: HEADER, value: ingress.internal}
              - {name: api-version, location: QUERY, value: "2"}
              - {name: X-Const, location: HEADER, value: c}
            systemParameters:
              - {kind: CLIENTIP, name: X-Client-Ip, location: HEADER}
              - {kind: REQUESTID, name: rid, location: QUERY}
              - {kind: APINAME, name: X-Api-Name, location: HEADER}
              - {kind: STAGE, name: X-Stage, location: HEADER}
              - {kind: DOMAIN, name: X-Domain, location: HEADER}
              - {kind: REQUESTTIME, name: X-Time, location: HEADER}
              - {kind: APPID, name: X-App-Id, location: HEADER}
              - {kind: APPKEY, name: X-App-Key, location: HEADER}
              - {kind: USERID, name: X-User, location: HEADER}
          - id: passconst
            group: p
            backend: echo
            name: Passthrough with constants
            methods: [GET]
            path: /passconst
            constants:
              - {name: X-Const, location: HEADER, value: c}
              - {name: c, location: QUERY, value: "1"}
            systemParameters:
              - {kind: CLIENTIP, name: X-Client-Ip, location: HEADER}
          - id: pass
            group: p
            backend: echo
            name: Passthrough
            methods: [POST]
            path: /pass/{id}
          - id: limits
            group: p
            backend: echo
            name: Limits
            methods: [POST]
            path: /limits
            maxBodyBytes: 100
            contentTypes: [application/json, text/*]
          - id: json
            group: p
            backend: echo
            name: JSON body
            methods: [POST]
            path: /json
            requestMode: MAPPING
            parameters:
              - name: order
                location: BODY
                required: true
                schema: '{"type":"object","required":["name"],"properties":{"name":{"type":"string","minLength":1},"qty":{"type":"integer","minimum":1}}}'
          - id: form
            group: p
            backend: echo
            name: Form fields
            methods: [POST]
            path: /form
            parameters:
              - {name: count, location: FORM, type: INT, required: true, maximum: 10}
        deployments:
          - {api: checks, stage: RELEASE}
          - {api: map, stage: RELEASE}
          - {api: enc, stage: RELEASE}
          - {api: consts, stage: RELEASE}
          - {api: passconst, stage: RELEASE}
          - {api: pass, stage: RELEASE}
          - {api: limits, stage: RELEASE}
          - {api: json, stage: RELEASE}
          - {api: form, stage: RELEASE}
        """;
}
