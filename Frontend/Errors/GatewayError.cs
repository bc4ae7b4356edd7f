namespace Gateway.Frontend.Errors;

/// <summary>
/// An error the gateway itself answers with. Codes follow the X-Ca convention: 'A' the caller's request,
/// 'D' the backend, 'S' the gateway; then the HTTP status and two letters.
/// </summary>
public sealed record GatewayError(int Status, string Code, string Message)
{
    public static readonly GatewayError ApiNotFound = new(404, "A404NF", "No API matches this host, method and path in this stage");
    public static readonly GatewayError InvalidStage = new(400, "A400ST", "X-Ca-Stage must be RELEASE, PRE or TEST");
    public static readonly GatewayError CatalogNotLoaded = new(503, "S503CL", "The gateway has not loaded its catalog yet");
    public static readonly GatewayError BackendUnreachable = new(502, "D502BU", "The backend refused the connection or could not be reached");
    public static readonly GatewayError BackendBadResponse = new(502, "D502BR", "The backend's response could not be read");
    public static readonly GatewayError NoHealthyBackend = new(503, "D503NH", "No address of the backend is healthy");
    public static readonly GatewayError BackendTimeout = new(504, "D504TO", "The backend did not answer in time");
    public static readonly GatewayError Internal = new(500, "S500IE", "The gateway failed to handle the request");

    // Throttling (issue 4)
    public static readonly GatewayError ThrottledByApi = new(429, "A429TA", "Too many calls to this API in the current window");
    public static readonly GatewayError ThrottledByUser = new(429, "A429TU", "Too many calls to this API by this user in the current window");
    public static readonly GatewayError ThrottledByApp = new(429, "A429TP", "Too many calls to this API by this app in the current window");
    public static readonly GatewayError ThrottledByIp = new(429, "A429TI", "Too many calls to this API from this IP address in the current window");
    public static readonly GatewayError ThrottlingUnavailable = new(503, "S503TU", "The gateway cannot count calls against this API's limits now and its policy fails closed");

    /// <summary>Every error, for documentation and tests.</summary>
    public static IReadOnlyList<GatewayError> All { get; } =
        [ApiNotFound, InvalidStage, CatalogNotLoaded, BackendUnreachable, BackendBadResponse, NoHealthyBackend, BackendTimeout, Internal,
         ThrottledByApi, ThrottledByUser, ThrottledByApp, ThrottledByIp, ThrottlingUnavailable];
}
