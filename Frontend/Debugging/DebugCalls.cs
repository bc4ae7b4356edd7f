using System.Text;
using Gateway.Debugging;
using Gateway.Frontend.Pipeline;
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
/// of the steps they passed. The ticket header is removed from every request, valid or not, so that no backend
/// ever sees one.
/// </summary>
internal sealed partial class DebugCallsMiddleware(
    RequestDelegate next, DebugSettings settings, [FromKeyedServices(GatewayTime.Key)] TimeProvider time, ILogger<DebugCallsMiddleware> logger)
{
    public Task Invoke(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (!headers.TryGetValue(DebugTicket.Header, out var ticket))
        {
            return next(context);
        }

        headers.Remove(DebugTicket.Header);
        if (settings.Key is not { Length: > 0 } key
            || ticket.Count != 1
            || !DebugTicket.Verify(key, ticket[0], context.Request.Method, context.Request.Path.Value ?? "", time.GetUtcNow()))
        {
            // Not the admin host's: an ordinary call, throttled and counted like any other.
            return next(context);
        }

        return Accept(context);
    }

    /// <summary>Apart from <see cref="Invoke"/>, so that the closure below is made for debug calls only.</summary>
    private Task Accept(HttpContext context)
    {
        var call = new DebugCall(time.GetTimestamp());
        context.Features.Set(call);

        // The access log has the call like any other; this line, with the same request id, says it was a debug call.
        LogAccepted(RequestIds.Get(context), context.Request.Method, context.Request.Path.Value ?? "");
        context.Response.OnStarting(() =>
        {
            var response = context.Response;
            var timeline = DebugTimelines.Build(call, context.Features.Get<GatewayRequest>(), response.StatusCode,
                response.Headers["X-Ca-Error-Code"].ToString(), response.Headers["X-Ca-Error-Message"].ToString(), time);

            // Base64: a header value must be ASCII, and step details may quote names that are not.
            response.Headers[DebugTicket.TimelineHeader] = Convert.ToBase64String(Encoding.UTF8.GetBytes(DebugTimelines.ToJson(timeline)));
            return Task.CompletedTask;
        });
        return next(context);
    }

    [LoggerMessage(EventId = LogEvents.DebugCallAccepted, Level = LogLevel.Information,
        Message = "{RequestId} {Method} {Path} is a debug call of the admin host: no quota is taken and it is not counted")]
    private partial void LogAccepted(string requestId, string method, string path);
}

public static class AppBuilderDebugExtensions
{
    public static IServiceCollection AddDebugCalls(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(DebugSettings.From(configuration));

    /// <summary>Right after request ids, before usage counting: every later step can tell a debug call.</summary>
    public static IApplicationBuilder UseDebugCalls(this IApplicationBuilder app) => app.UseMiddleware<DebugCallsMiddleware>();

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
