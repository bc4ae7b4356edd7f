namespace Gateway.Frontend.Monitoring;

/// <summary>
/// One structured record per request (category <c>Gateway.AccessLog</c>), exported through OpenTelemetry
/// logging with its fields as attributes. It holds no query string, header, credential or token.
/// </summary>
public sealed partial class AccessLog(ILoggerFactory loggers)
{
    public const string Category = "Gateway.AccessLog";

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    public bool IsEnabled => _logger.IsEnabled(LogLevel.Information);

    /// <param name="backend">The backend a routing policy chose, or null when the call went to the API's own.</param>
    public void Write(string requestId, string method, string path, in UsageSample s, string? clientIp, string? backend = null) =>
        LogRequest(_logger, requestId, method, path, s.ApiId, s.Stage, s.AppId ?? "", clientIp ?? "", s.Status, s.ErrorCode ?? "", s.LatencyMs, s.BytesIn, s.BytesOut, backend ?? "");

    [LoggerMessage(EventId = LogEvents.AccessLog, Level = LogLevel.Information,
        Message = "{RequestId} {Method} {Path} api={ApiId} stage={Stage} app={AppId} client={ClientIp} status={Status} code={ErrorCode} latency={LatencyMs}ms in={BytesIn} out={BytesOut} routed={RoutedBackend}")]
    private static partial void LogRequest(ILogger logger, string requestId, string method, string path, string apiId, string stage, string appId,
        string clientIp, int status, string errorCode, double latencyMs, long bytesIn, long bytesOut, string routedBackend);
}
