using Gateway.Frontend.Pipeline;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Monitoring;

/// <summary>
/// Counts every request to an API once it is answered, whatever step answered it (routing, authentication,
/// throttling, the backend): the per-second usage counters, the OpenTelemetry instruments and one access-log
/// record. It reads only what the pipeline leaves behind (the <see cref="GatewayRequest"/> feature with the error the
/// gateway answered, the status, YARP's forwarder error), so other steps need not know it exists.
/// </summary>
internal sealed class UsageCountingMiddleware(RequestDelegate next, UsageCounter counter, GatewayMetrics metrics, AccessLog accessLog, TimeProvider time)
{
    /// <summary>The status the gateway's throttling answers with (with its own X-Ca-Error-Code).</summary>
    private const int Throttled = StatusCodes.Status429TooManyRequests;

    public async Task Invoke(HttpContext context)
    {
        var started = time.GetTimestamp();
        var request = context.Request.Body;

        // A request that cannot have a body (a GET without Content-Length, say) has nothing to count.
        var countingIn = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false
            ? null
            : new CountingReadStream(request, context.Features.Get<GatewayRequest>());
        if (countingIn is not null)
        {
            context.Request.Body = countingIn;
        }

        var countingOut = new CountingResponseBody(context.Features.Get<IHttpResponseBodyFeature>()!);
        context.Features.Set<IHttpResponseBodyFeature>(countingOut);
        try
        {
            await next(context);
        }
        finally
        {
            context.Request.Body = request;
            context.Features.Set(countingOut.Inner);
            Count(context, time.GetElapsedTime(started), countingIn?.Count ?? 0, countingOut.Count);
        }
    }

    private void Count(HttpContext context, TimeSpan elapsed, long bytesIn, long bytesOut)
    {
        // The host's own endpoints (health, metrics) are not API traffic.
        if (context.GetEndpoint()?.Metadata.GetMetadata<HostEndpoint>() is not null)
        {
            return;
        }

        var gateway = context.Features.Get<GatewayRequest>();
        var api = gateway?.Api;
        var error = gateway?.Error;
        if (gateway is not null && error is not { Status: < 500 } && gateway.CallerGone(context))
        {
            // The caller left before its answer was complete: whatever a step or YARP made of the broken stream
            // (a 400, a 502), it is the caller's doing, and must not count as a backend or gateway failure.
            error = Errors.GatewayError.ClientAborted;
        }

        var status = error?.Status ?? context.Response.StatusCode;
        var code = error?.Code;
        var timedOut = context.Features.Get<IForwarderErrorFeature>()?.Error == ForwarderError.RequestTimedOut
            || error == Errors.GatewayError.BackendTimeout;
        var sample = new UsageSample(
            time.GetUtcNow().ToUnixTimeSeconds(),
            api?.Definition.Id ?? "",
            gateway?.Group?.Name ?? api?.Definition.Group ?? "",
            api?.Stage ?? "",
            gateway?.AppId,
            status,
            code,
            status == Throttled && code is not null, // the gateway's own 429 carries its error code; a backend's 429 is not throttling
            timedOut,
            bytesIn,
            bytesOut,
            elapsed.TotalMilliseconds,
            code is not null || api is null ? AnswerSource.Gateway : gateway!.MockAnswered ? AnswerSource.Mock : AnswerSource.Backend,
            gateway?.PaidByPackage == true);

        // Requests that matched no API have no window to go to; they still count in metrics and the access log.
        // Debug calls are not the app's traffic: not billed, not in the API's windows, alerts or traffic bytes
        // (the request metrics and the access log below still see them: they are load on this frontend).
        var debug = context.Features.Get<Debugging.DebugCall>() is not null;
        if (api is not null && !debug)
        {
            counter.Record(sample);
        }
        else if (!debug)
        {
            metrics.AddTraffic(sample);
        }

        metrics.Record(sample);
        if (accessLog.IsEnabled)
        {
            accessLog.Write(gateway?.RequestId ?? "", context.Request.Method, context.Request.Path.Value ?? "", sample, gateway?.ClientIpText, gateway?.RoutedBackend);
        }
    }
}

public static class UsageCounting
{
    /// <summary>
    /// Belongs right after <c>UseRequestIds</c>: it wraps everything after it, so that it sees every answer
    /// and its full latency, and reads the request feature the later steps fill in.
    /// </summary>
    public static IApplicationBuilder UseUsageCounting(this IApplicationBuilder app) => app.UseMiddleware<UsageCountingMiddleware>();

    /// <summary>The counters, the reporter that sends them to the silo once a second, metrics and the access log.</summary>
    public static IServiceCollection AddUsageCounting(this IServiceCollection services)
    {
        services.AddSingleton<UsageCounter>();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<AccessLog>();
        services.AddHostedService<UsageReporter>();
        return services;
    }
}
