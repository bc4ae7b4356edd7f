using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace Gateway.Silo.Admin;

/// <summary>
/// Answers an admin call that failed because part of the cluster is away with 503 and the reason, not 500: after
/// a silo dies its grains come back on another silo once the cluster has declared it dead (a few seconds), and a
/// storage outage ends when Redis answers again. A client can tell "retry shortly" from a fault.
/// </summary>
internal sealed partial class ClusterUnavailableHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableHandler> logger) : IExceptionHandler
{
    /// <summary>
    /// The <c>Retry-After</c> of every admin 503 of a cluster that is away: about the time the cluster takes to declare
    /// a dead silo dead and activate its grains elsewhere.
    /// </summary>
    public const string RetryAfterSeconds = "2";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var reason = ReasonFor(exception);
        if (reason is null || context.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(context.Request.Method, context.Request.Path, exception.GetType().Name);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds;
        context.Response.Headers["X-Ca-Error-Code"] = "S503CU";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The cluster cannot answer this now",
                Detail = reason,
            },
        });
    }

    /// <summary>Why the cluster could not answer, or null for a fault that is not an outage (a 500 as before).</summary>
    private static string? ReasonFor(Exception exception) => exception switch
    {
        SiloUnavailableException or OrleansMessageRejectionException =>
            "the silo holding this state is not reachable; it moves to another silo once the cluster has declared it dead. Retry in a few seconds.",
        TimeoutException => "the cluster did not answer in time (a silo or the storage may be failing). Retry in a few seconds.",
        RedisException or Orleans.Persistence.Redis.RedisStorageException =>
            "the cluster's storage (Redis) is not answering; nothing was changed. Retry once it is back.",
        AggregateException { InnerExceptions: [var inner] } => ReasonFor(inner),
        _ when exception.InnerException is { } inner && exception is not ArgumentException => ReasonFor(inner),
        _ => null,
    };

    [LoggerMessage(EventId = LogEvents.AdminClusterUnavailable, Level = LogLevel.Warning, Message = "Admin call {Method} {Path} answered 503: the cluster could not answer ({Exception})")]
    private partial void LogUnavailable(string method, string path, string exception);
}
