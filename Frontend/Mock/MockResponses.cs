using Gateway.Frontend.Parameters;
using Gateway.Frontend.Pipeline;

namespace Gateway.Frontend.Mock;

/// <summary>
/// Answers calls to a mocked API version with its configured response instead of forwarding them. It runs inside
/// the proxy pipeline, after everything the main pipeline does (authentication, authorization, validation,
/// throttling, counting), so that a mocked call is treated like any other up to the backend.
/// </summary>
public static partial class MockResponses
{
    /// <summary>Belongs in the proxy pipeline, after UseForwardingErrors and before load balancing.</summary>
    public static IReverseProxyApplicationBuilder UseMockResponses(this IReverseProxyApplicationBuilder proxy)
    {
        // Resolved once: a service looked up through RequestServices makes a DI scope for every request.
        var logger = proxy.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MockResponses).FullName!);
        proxy.Use((HttpContext context, RequestDelegate next) =>
        {
            return context.GetGatewayRequest().Route?.Parameters.Mock is { } mock ? AnswerAsync(context, mock, logger) : next(context);
        });
        return proxy;
    }

    private static Task AnswerAsync(HttpContext context, MockPlan mock, ILogger logger)
    {
        var response = context.Response;
        response.StatusCode = mock.Status;
        foreach (var (name, value) in mock.Headers)
        {
            response.Headers.Append(name, value);
        }

        response.ContentLength = mock.Body.Length;
        var gateway = context.GetGatewayRequest();
        gateway.MockAnswered = true;
        var api = gateway.Api!;
        LogMocked(logger, api.Definition.Id, api.Stage, api.Version, mock.Status);
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(mock.Body, context.RequestAborted).AsTask();
    }

    [LoggerMessage(EventId = LogEvents.MockAnswered, Level = LogLevel.Debug, Message = "Call to {Api} version {Version} in {Stage} answered by its mock with {Status}")]
    private static partial void LogMocked(ILogger logger, string api, string stage, int version, int status);
}
