namespace Gateway.Frontend.Metering;

/// <summary>
/// A debug call is one a developer makes while trying an API, marked with <c>X-Ca-Request-Mode: debug</c>; it is
/// counted in usage but never billed.
/// </summary>
public static class DebugCalls
{
    public const string Header = "X-Ca-Request-Mode";

    public static bool IsDebug(HttpRequest request) =>
        request.Headers.TryGetValue(Header, out var mode) && string.Equals(mode.ToString(), "debug", StringComparison.OrdinalIgnoreCase);
}
