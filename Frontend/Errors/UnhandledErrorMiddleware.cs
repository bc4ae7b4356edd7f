using Gateway.Frontend.Pipeline;

namespace Gateway.Frontend.Errors;

/// <summary>
/// The catch-all: any exception a step lets escape becomes the gateway's 500 <c>S500IE</c> with its JSON body,
/// instead of Kestrel's bare 500 that carries no error code and that the counters would see as the status set
/// before the failure. A failure caused by the caller going away is recorded as a client abort, not as ours.
/// </summary>
internal sealed partial class UnhandledErrorMiddleware(RequestDelegate next, ILogger<UnhandledErrorMiddleware> logger)
{
    public Task Invoke(HttpContext context)
    {
        Task task;
        try
        {
            task = next(context);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }

        return task.IsCompletedSuccessfully ? Task.CompletedTask : Awaited(context, task);
    }

    private async Task Awaited(HttpContext context, Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (CallerBodyRefusal.For(e) is { } refusal && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // Kestrel refused the body of a caller who still waits for the answer: past the limit a step set from the
            // API's, badly framed, or too slow.
            LogBodyRefused(context.GetGatewayRequest().RequestId, refusal.Code);
            await GatewayErrorWriter.WriteAsync(context, refusal);
        }
        catch (Exception e) when (context.GetGatewayRequest().CallerGone(context))
        {
            // Reading a body the caller stopped sending, or writing to a caller who left: nothing to answer.
            LogCallerGone(context.GetGatewayRequest().RequestId, e.GetType().Name);
            context.GetGatewayRequest().Error = GatewayError.ClientAborted;
        }
        catch (Exception e)
        {
            var request = context.GetGatewayRequest();
            LogUnhandled(e, request.RequestId, request.Api?.Definition.Id ?? "", request.Api?.Stage ?? "");
            if (context.Response.HasStarted)
            {
                // Part of an answer is out: the caller must not take it for a whole one.
                request.Error = GatewayError.Internal;
                context.Abort();
                return;
            }

            context.Response.Clear();
            await GatewayErrorWriter.WriteAsync(context, GatewayError.Internal);
        }
    }

    [LoggerMessage(EventId = LogEvents.UnhandledError, Level = LogLevel.Error, Message = "Request {RequestId} to {Api} in {Stage} failed; answered 500 S500IE")]
    private partial void LogUnhandled(Exception exception, string requestId, string api, string stage);

    [LoggerMessage(EventId = LogEvents.CallerGone, Level = LogLevel.Debug, Message = "Request {RequestId}: the caller went away ({Exception})")]
    private partial void LogCallerGone(string requestId, string exception);

    [LoggerMessage(EventId = LogEvents.BodyRefused, Level = LogLevel.Debug, Message = "Request {RequestId}: the server refused its body, answered {ErrorCode}")]
    private partial void LogBodyRefused(string requestId, string errorCode);
}

public static class AppBuilderUnhandledErrorExtensions
{
    /// <summary>
    /// Belongs right after the usage counting, so that the 500 it writes is counted as a 5xx and logged, and before
    /// every step that can fail.
    /// </summary>
    public static IApplicationBuilder UseUnhandledErrors(this IApplicationBuilder app) => app.UseMiddleware<UnhandledErrorMiddleware>();
}
