using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Policies.CircuitBreaking;

/// <summary>
/// The proxy step of the API's circuit breaking policy: a call to a backend whose breaker is open is answered 503 D503CB
/// without reaching it; every admitted call's outcome is counted by the breaker.
/// </summary>
public static class CircuitBreakerStep
{
    /// <summary>
    /// Belongs after the routing step, which decides the backend the call goes to, and before load balancing: an open
    /// breaker spends nothing on picking an address.
    /// </summary>
    public static IReverseProxyApplicationBuilder UseCircuitBreakers(this IReverseProxyApplicationBuilder proxy)
    {
        // Resolved once: a service looked up through RequestServices makes a DI scope for every request.
        var breakers = proxy.ApplicationServices.GetRequiredService<CircuitBreakers>();
        var time = proxy.ApplicationServices.GetRequiredService<TimeProvider>();
        proxy.Use((HttpContext context, RequestDelegate next) =>
        {
            var request = context.GetGatewayRequest();
            return request.Route?.Policies.CircuitBreaker is { } policy && request.Backend is { } backend
                ? InvokeInternal(context, next, request, policy, backend, breakers, time)
                : next(context);
        });
        return proxy;
    }

    private static async Task InvokeInternal(
        HttpContext context, RequestDelegate next, GatewayRequest request, CircuitBreakerPolicy policy, string backend, CircuitBreakers breakers, TimeProvider time)
    {
        var breaker = breakers.For(policy, backend);
        if (!breaker.TryAcquire(time.GetUtcNow(), out var trial))
        {
            breakers.Rejected(backend);
            await GatewayErrorWriter.WriteAsync(context, GatewayError.CircuitOpen, $"backend '{backend}'");
            return;
        }

        var outcome = CallOutcome.Ignored;
        try
        {
            await next(context);
            outcome = OutcomeOf(context, request);
        }
        finally
        {
            breaker.Record(outcome, trial, time.GetUtcNow());
        }
    }

    private static CallOutcome OutcomeOf(HttpContext context, GatewayRequest request)
    {
        if (request.CallerGone(context))
        {
            return CallOutcome.Ignored;
        }

        return context.GetForwarderErrorFeature()?.Error switch
        {
            null => context.Response.StatusCode >= 500 ? CallOutcome.Failure : CallOutcome.Success,
            ForwarderError.RequestTimedOut => CallOutcome.Timeout,
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
                or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or ForwarderError.UpgradeRequestCanceled
                or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient => CallOutcome.Ignored,
            _ => CallOutcome.Failure,
        };
    }
}
