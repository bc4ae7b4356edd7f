using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Forwarding;

/// <summary>Turns YARP's forwarding failures into the gateway's JSON errors with X-Ca-Error-Code.</summary>
public static class ForwardingErrors
{
    /// <summary>Belongs first in the proxy pipeline, so that it sees the outcome of forwarding.</summary>
    public static IReverseProxyApplicationBuilder UseForwardingErrors(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.Use(async (HttpContext context, RequestDelegate next) =>
        {
            await next(context);
            var failure = context.GetForwarderErrorFeature();
            if (failure is null || context.Response.HasStarted)
            {
                return;
            }

            // The server refused the body of a caller who still waits (badly framed, too slow): the caller's error.
            if (failure.Error is ForwarderError.RequestBodyClient && failure.Exception is { } e && CallerBodyRefusal.For(e) is { } refusal
                && !context.RequestAborted.IsCancellationRequested)
            {
                await GatewayErrorWriter.WriteAsync(context, refusal);
                return;
            }

            if (failure.Error is ForwarderError.RequestBodyClient or ForwarderError.RequestCanceled || context.GetGatewayRequest().CallerGone(context))
            {
                // The caller left (mid-body, say): YARP may then see a failed backend call, but it was not the backend's.
                context.GetGatewayRequest().Error = GatewayError.ClientAborted;
                return;
            }

            var error = failure.Error switch
            {
                ForwarderError.RequestTimedOut => GatewayError.BackendTimeout,
                ForwarderError.NoAvailableDestinations => GatewayError.NoHealthyBackend,
                ForwarderError.Request or ForwarderError.RequestCreation => GatewayError.BackendUnreachable,
                _ => GatewayError.BackendBadResponse,
            };
            await GatewayErrorWriter.WriteAsync(context, error);
        });
        return proxy;
    }
}
