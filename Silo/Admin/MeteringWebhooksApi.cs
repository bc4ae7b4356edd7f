using Gateway.Catalog;
using Gateway.Metering;
using Gateway.Notifications;
using Gateway.Silo.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>
/// Admin API for metering webhooks: where package and invoice events are POSTed, and what became of them. A
/// webhook's signing secret is shown once, when it is made or rotated; editors change webhooks, viewers read them.
/// </summary>
public static class MeteringWebhooksApi
{
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapMeteringWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1/metering").AddEndpointFilter<AdminAuthentication>().WithTags("metering");

        api.MapGet("/webhooks", async (IGrainFactory g) => AdminResults.Json(await Catalog(g).GetMeteringWebhooks()))
            .Produces<MeteringWebhook[]>();
        api.MapGet("/webhooks/{name}", async (string name, IGrainFactory g) =>
            (await Catalog(g).GetMeteringWebhooks()).FirstOrDefault(w => w.Name == name) is { } webhook
                ? AdminResults.Json(webhook)
                : AdminResults.NotFound($"metering webhook '{name}'")).Produces<MeteringWebhook>();
        api.MapPut("/webhooks/{name}", async (string name, HttpContext http, IGrainFactory g) =>
        {
            var (webhook, error) = await AdminBody.ReadAsync<MeteringWebhook>(http, MaxBodyBytes);
            if (error is not null)
            {
                return error;
            }

            var named = webhook!.Name?.Trim();
            if (!string.IsNullOrEmpty(named) && named != name)
            {
                return AdminResults.BadRequest($"the body names '{named}' but the URL names '{name}'");
            }

            return Secret(http, await Catalog(g).UpsertMeteringWebhook(webhook with { Name = name }));
        }).Reads<MeteringWebhook>().Produces<CreatedWebhookSecret>(StatusCodes.Status201Created).RequireRole(AdminRole.Editor);
        api.MapDelete("/webhooks/{name}", async (string name, IGrainFactory g) => AdminResults.From(await Catalog(g).DeleteMeteringWebhook(name)))
            .RequireRole(AdminRole.Editor);
        api.MapPost("/webhooks/{name}/secret", async (string name, HttpContext http, IGrainFactory g) =>
            Secret(http, await Catalog(g).RotateMeteringWebhookSecret(name))).Produces<CreatedWebhookSecret>(StatusCodes.Status201Created).RequireRole(AdminRole.Editor);

        api.MapGet("/events", async (IGrainFactory g) =>
            AdminResults.Json(await g.GetGrain<INotificationOutboxGrain>(GrainKeys.MeteringOutbox).GetEvents())).Produces<MeteringEventRecord[]>();
        return endpoints;
    }

    /// <summary>A new secret is answered once, 201, never cached; a change that kept the secret answers as any change.</summary>
    private static IResult Secret(HttpContext http, KeyCreation created)
    {
        if (!created.Result.Succeeded || created.Secret.Length == 0)
        {
            return AdminResults.From(created.Result);
        }

        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(
            new CreatedWebhookSecret(created.Name, created.Secret, created.Result.Revision),
            CatalogDocumentFormat.Json,
            statusCode: StatusCodes.Status201Created);
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
}

/// <summary>A metering webhook's new signing secret: the only time it is shown.</summary>
public sealed record CreatedWebhookSecret(string Webhook, string Secret, long Revision)
{
    public override string ToString() => $"CreatedWebhookSecret {{ Webhook = {Webhook} }}";
}
