using System.Text;
using Gateway.Catalog;
using Gateway.Debugging;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Security;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Gateway.Frontend.Debugging;

/// <summary>Where the frontend's debug-call key comes from.</summary>
public sealed record DebugSettings
{
    public const string Section = "Debug";

    /// <summary>
    /// Optional. The key debug tickets are made with, the same on the admin hosts and every frontend (at least
    /// 32 characters). Without it, no call is treated as a debug call. The embedded default draws one at start.
    /// </summary>
    public string? Key { get; init; }

    /// <summary>Reads the settings; a key too short to be safe stops the start rather than switching debugging off unseen.</summary>
    public static DebugSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<DebugSettings>() ?? new();
        if (!string.IsNullOrEmpty(settings.Key) && settings.Key.Length < DebugTicket.MinKeyLength)
        {
            throw new InvalidOperationException($"Debug:Key must be at least {DebugTicket.MinKeyLength} characters");
        }

        return settings;
    }
}

/// <summary>
/// Recognises the Debug API's calls by their ticket (<see cref="DebugTicket"/>) and answers them with the timeline
/// of the steps they passed. The ticket and draft headers are removed from every request that carries a ticket,
/// valid or not, so that no backend ever sees them. Each ticket is taken once across the cluster (its nonce): a copy
/// sent again is an ordinary call. A ticket for the unpublished draft sends the call to the draft route
/// (<see cref="DraftRouting"/>).
/// </summary>
internal sealed partial class DebugCallsMiddleware(
    RequestDelegate next, DebugSettings settings, IGrainFactory grains, DraftRouting drafts,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time, ILogger<DebugCallsMiddleware> logger)
{
    /// <summary>The nonce grains' AppKey part for tickets: no AppKey has a space.</summary>
    private const string TicketNonces = "debug ticket";

    public Task Invoke(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (!headers.TryGetValue(DebugTicket.Header, out var ticket))
        {
            return next(context);
        }

        headers.Remove(DebugTicket.Header);
        var draft = headers[DebugDraft.Header];
        headers.Remove(DebugDraft.Header);
        if (settings.Key is not { Length: > 0 } key
            || ticket.Count != 1
            || draft.Count > 1
            || !DebugTicket.Verify(key, ticket[0], context.Request.Method, context.Request.Path.Value ?? "", time.GetUtcNow(), draft.Count == 1 ? draft[0] : null))
        {
            // Not the admin host's: an ordinary call, throttled and counted like any other.
            return next(context);
        }

        return AcceptAsync(context, ticket[0]!, draft.Count == 1 ? draft[0] : null);
    }

    private async Task AcceptAsync(HttpContext context, string ticket, string? draftHeader)
    {
        if (!await TakeOnceAsync(ticket))
        {
            await next(context);
            return;
        }

        var call = new DebugCall(time.GetTimestamp());
        ApiDefinition? draft = null;
        if (draftHeader is not null && DebugDraft.TryParse(draftHeader, out var apiId, out var digest))
        {
            // The draft as the catalog holds it now, for this call alone: it must still be the one the ticket names.
            GatewayError? refused = null;
            string? why = null;
            try
            {
                draft = await grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetDraft(apiId);
                (refused, why) = draft is null ? (GatewayError.ApiNotFound, $"API '{apiId}' has no draft")
                    : DebugDraft.Digest(draft) != digest ? (GatewayError.ApiNotFound, $"the draft of API '{apiId}' changed since the Debug API read it; send the call again")
                    : (null, null);
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
            {
                // This step stands before the catch-all error handler: it answers its own failure, as the gateway's JSON error.
                LogDraftUnreadable(e, apiId);
                (refused, why) = (GatewayError.CatalogNotLoaded, $"the catalog could not be asked for the draft of '{apiId}'");
            }

            if (refused is not null)
            {
                context.Features.Set(call);
                WriteTimeline(context, call);
                await GatewayErrorWriter.WriteAsync(context, refused, why);
                return;
            }

            call.ForDraft(draft!, digest);
            drafts.SendToDraftRoute(context.Request);
        }

        context.Features.Set(call);

        // The access log has the call like any other; this line, with the same request id, says it was a debug call.
        LogAccepted(RequestIds.Get(context), context.Request.Method, context.Request.Path.Value ?? "", draft is null ? "" : " of the unpublished draft");
        WriteTimeline(context, call);
        await next(context);
    }

    /// <summary>
    /// Takes the ticket's nonce in the nonce grain it falls to, kept until the ticket expires. A ticket seen before, or
    /// one that cannot be checked, makes an ordinary call: charged, counted, and never a draft's.
    /// </summary>
    private async Task<bool> TakeOnceAsync(string ticket)
    {
        if (!DebugTicket.TryReadNonce(ticket, out var nonce, out var expires))
        {
            return false;
        }

        try
        {
            if ((await grains.GetGrain<INonceGrain>(GrainKeys.Nonce(TicketNonces, nonce)).TryUse(nonce, expires)).Accepted)
            {
                return true;
            }

            LogReplayed(nonce);
        }
        catch (Exception e)
        {
            LogNonceFailed(e, nonce);
        }

        return false;
    }

    private void WriteTimeline(HttpContext context, DebugCall call) => context.Response.OnStarting(() =>
    {
        var response = context.Response;
        var timeline = DebugTimelines.Build(call, context.Features.Get<GatewayRequest>(), response.StatusCode,
            response.Headers["X-Ca-Error-Code"].ToString(), response.Headers["X-Ca-Error-Message"].ToString(), time);

        // Base64: a header value must be ASCII, and step details may quote names that are not.
        response.Headers[DebugTicket.TimelineHeader] = Convert.ToBase64String(Encoding.UTF8.GetBytes(DebugTimelines.ToJson(timeline)));
        return Task.CompletedTask;
    });

    [LoggerMessage(EventId = LogEvents.DebugCallAccepted, Level = LogLevel.Information,
        Message = "{RequestId} {Method} {Path} is a debug call of the admin host{Draft}: no quota is taken and it is not counted")]
    private partial void LogAccepted(string requestId, string method, string path, string draft);

    [LoggerMessage(EventId = LogEvents.DebugDraftUnreadable, Level = LogLevel.Warning,
        Message = "The draft of API {ApiId} could not be read from the catalog for a debug call")]
    private partial void LogDraftUnreadable(Exception exception, string apiId);

    [LoggerMessage(EventId = LogEvents.DebugTicketReplayed, Level = LogLevel.Warning,
        Message = "A debug ticket (nonce {Nonce}) came a second time: the call is an ordinary one")]
    private partial void LogReplayed(string nonce);

    [LoggerMessage(EventId = LogEvents.DebugTicketUnchecked, Level = LogLevel.Warning,
        Message = "A debug ticket (nonce {Nonce}) could not be taken from the nonce grain: the call is an ordinary one")]
    private partial void LogNonceFailed(Exception exception, string nonce);
}

public static class AppBuilderDebugExtensions
{
    public static IServiceCollection AddDebugCalls(this IServiceCollection services, IConfiguration configuration)
    {
        var drafts = new DraftRouting();
        services.AddSingleton(drafts);

        // A second configuration source beside the catalog's: YARP merges them.
        services.AddSingleton<IProxyConfigProvider>(drafts);
        return services.AddSingleton(DebugSettings.From(configuration));
    }

    /// <summary>Right after request ids, before usage counting and routing: every later step can tell a debug call.</summary>
    public static IApplicationBuilder UseDebugCalls(this IApplicationBuilder app) => app.UseMiddleware<DebugCallsMiddleware>();

    /// <summary>
    /// Right after routing, before the catalog is pinned: a debug call of an unpublished draft gets the draft compiled
    /// and its own route (<see cref="DraftRouting"/>); every other request passes untouched.
    /// </summary>
    public static IApplicationBuilder UseDraftRoutes(this IApplicationBuilder app) => app.UseMiddleware<DraftRoutesMiddleware>();

    /// <summary>First in the proxy pipeline: records that every step before the proxy passed, and when the backend (or mock) was asked.</summary>
    public static IReverseProxyApplicationBuilder UseDebugTiming(this IReverseProxyApplicationBuilder proxy)
    {
        var time = proxy.ApplicationServices.GetRequiredKeyedService<TimeProvider>(GatewayTime.Key);
        proxy.Use((context, next) =>
        {
            DebugCall.Of(context)?.EnteredProxy(time.GetTimestamp(), context.Features.Get<GatewayRequest>()?.Api?.Definition.Mock is not null);
            return next(context);
        });
        return proxy;
    }
}
