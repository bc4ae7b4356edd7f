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

    // Parameters (issue 5)
    public static readonly GatewayError InvalidParameters = new(400, "A400IP", "The request's parameters break the API's rules");
    public static readonly GatewayError ParameterCheckTimeout = new(400, "A400PT", "A parameter's value could not be checked against its pattern in time");
    public static readonly GatewayError BodyTooLarge = new(413, "A413BL", "The request body is larger than the API accepts");
    public static readonly GatewayError UnsupportedContentType = new(415, "A415CT", "The API does not accept a request body of this content type");

    /// <summary>Every error, for documentation and tests.</summary>
    public static IReadOnlyList<GatewayError> All { get; } =
        [
            ApiNotFound, InvalidStage, CatalogNotLoaded, BackendUnreachable, BackendBadResponse, NoHealthyBackend, BackendTimeout, Internal,
            InvalidParameters, ParameterCheckTimeout, BodyTooLarge, UnsupportedContentType,
        ];
}
