using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Silo.Admin;

/// <summary>One embedded gateway with a small catalog, shared by a test class whose tests only make refused changes or dry runs.</summary>
public sealed class AdminGatewayFixture : IAsyncLifetime
{
    public const string Catalog = """
        groups: [{ name: shop, basePath: /shop }]
        backends: [{ name: orders, addresses: ["http://127.0.0.1:9"] }]
        apis:
          - { id: get-order, group: shop, name: Get an order, methods: [GET], path: "/orders/{id}", backend: orders }
        deployments: [{ api: get-order, stage: RELEASE }]
        """;

    public EmbeddedGateway Gateway { get; private set; } = null!;

    /// <summary>The export and revision right after the catalog was imported.</summary>
    public (string Export, long Revision) Initial { get; private set; }

    public async Task InitializeAsync()
    {
        Gateway = await EmbeddedGateway.StartAsync();
        await Gateway.ImportAsync(Catalog);
        Initial = await StateOf(Gateway.Admin);
    }

    public async Task DisposeAsync() => await Gateway.DisposeAsync();

    /// <summary>The catalog as it is now: its export and revision, to compare after a refused change.</summary>
    public static async Task<(string Export, long Revision)> StateOf(HttpClient admin) =>
        (await admin.GetStringAsync("/v1/catalog/export"),
         (await admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64());
}
