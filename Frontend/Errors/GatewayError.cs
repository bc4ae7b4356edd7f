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

    /// <summary>
    /// Never sent (nobody is left to read it): the status and code the counters and the access log record when the
    /// caller goes away before the answer is complete, so that a client cannot pass its own abort off as a backend failure.
    /// </summary>
    public static readonly GatewayError ClientAborted = new(499, "A499CA", "The caller closed the connection before the answer was complete");

    /// <summary>The server refused the caller's body as HTTP: its chunked framing is broken, say (<see cref="CallerBodyRefusal"/>).</summary>
    public static readonly GatewayError MalformedBody = new(400, "A400BF", "The request body's HTTP framing is not valid");

    /// <summary>The caller kept the connection but sent its body slower than the server's minimum data rate.</summary>
    public static readonly GatewayError BodyTooSlow = new(408, "A408BS", "The request body arrived too slowly");

    // Per-API policies
    public static readonly GatewayError CorsOriginRefused = new(403, "A403CO", "No CORS policy of this API allows this origin");
    public static readonly GatewayError CorsRequestRefused = new(403, "A403CM", "The API's CORS policy does not allow this method or these headers");
    public static readonly GatewayError CircuitOpen = new(503, "D503CB", "The backend is failing and its circuit breaker is open; retry later");

    // Caller authentication
    public static readonly GatewayError SignatureHeaderMissing = new(400, "A400MH", "A required X-Ca header is missing");
    public static readonly GatewayError SignatureHeaderDuplicated = new(400, "A400DH", "An X-Ca header is sent more than once");
    public static readonly GatewayError SignatureHeaderEmpty = new(400, "A400EH", "An X-Ca header is empty");
    public static readonly GatewayError SignatureMethodNotAllowed = new(400, "A400SM", "The signature method is not allowed");
    public static readonly GatewayError TimestampInvalid = new(400, "A400TS", "X-Ca-Timestamp is not a Unix time in milliseconds");
    public static readonly GatewayError TimestampExpired = new(400, "A400TO", "X-Ca-Timestamp is more than 15 minutes in the past");
    public static readonly GatewayError TimestampInFuture = new(400, "A400TF", "X-Ca-Timestamp is more than 15 minutes in the future");
    public static readonly GatewayError NonceInvalid = new(400, "A400NV", "X-Ca-Nonce must be at most 128 visible ASCII characters");
    public static readonly GatewayError SignatureNotBase64 = new(400, "A400SB", "X-Ca-Signature is not the Base64 of an HMAC of the signature method");
    public static readonly GatewayError AppKeyUnknown = new(400, "A400AK", "X-Ca-Key is not a known AppKey");
    public static readonly GatewayError ContentMd5Mismatch = new(400, "A400MD", "Content-MD5 does not match the body");
    public static readonly GatewayError SignatureMismatch = new(400, "A400IS", "Invalid Signature, Server StringToSign:");
    public static readonly GatewayError NonceReplayed = new(400, "A400NR", "X-Ca-Nonce was already used by this AppKey in the last 15 minutes");
    public static readonly GatewayError AppDisabled = new(403, "A403AD", "The app is disabled");
    public static readonly GatewayError GrantMissing = new(403, "A403NG", "The app has no grant for this API in this stage");
    public static readonly GatewayError GrantExpired = new(403, "A403GX", "The app's grant for this API in this stage has expired");
    public static readonly GatewayError NonceUnavailable = new(503, "S503NS", "The nonce check is unavailable; try again");
    // IP access, TLS and tokens
    public static readonly GatewayError IpDenied = new(403, "A403IP", "The caller's IP address may not call this API");
    public static readonly GatewayError BadForwardedFor = new(400, "A400XF", "X-Forwarded-For is malformed");
    public static readonly GatewayError HttpsRequired = new(403, "A403HS", "This API is served over HTTPS only");
    public static readonly GatewayError TokenMissing = new(401, "A401TM", "This API needs a token from its identity provider");
    public static readonly GatewayError TokenInvalid = new(401, "A401TI", "The token is malformed or its signature does not verify");
    public static readonly GatewayError TokenAlgorithm = new(401, "A401TA", "The token's signing algorithm is not accepted (RS256 and ES256 are)");
    public static readonly GatewayError TokenUnknownKey = new(401, "A401TK", "The token's key id (kid) is not among the identity provider's keys");
    public static readonly GatewayError TokenExpired = new(401, "A401TX", "The token has expired");
    public static readonly GatewayError TokenNotYetValid = new(401, "A401TN", "The token is not valid yet (nbf)");
    public static readonly GatewayError TokenAudience = new(401, "A401TU", "The token is not meant for this API (aud)");
    public static readonly GatewayError TokenIssuer = new(401, "A401TS", "The token was not issued by this API's identity provider (iss)");
    public static readonly GatewayError TokenSubject = new(401, "A401TJ", "The token names no subject (sub)");
    public static readonly GatewayError IdentityProviderUnavailable = new(503, "S503IK", "The identity provider's signing keys could not be fetched");
    // Throttling
    public static readonly GatewayError ThrottledByApi = new(429, "A429TA", "Too many calls to this API in the current window");
    public static readonly GatewayError ThrottledByUser = new(429, "A429TU", "Too many calls to this API by this user in the current window");
    public static readonly GatewayError ThrottledByApp = new(429, "A429TP", "Too many calls to this API by this app in the current window");
    public static readonly GatewayError ThrottledByIp = new(429, "A429TI", "Too many calls to this API from this IP address in the current window");
    public static readonly GatewayError ThrottlingUnavailable = new(503, "S503TU", "The gateway cannot count calls against this API's limits now; retry later");

    // Prepaid packages
    public static readonly GatewayError PackageUsedUp = new(403, "A403QE", "The app's call packages for this API are used up");
    public static readonly GatewayError PackageExpired = new(403, "A403QX", "None of the app's call packages for this API is valid now (expired, or not started yet)");
    public static readonly GatewayError PackageUnavailable = new(503, "S503QU", "The gateway cannot count calls against the app's packages now; retry later");

    // Parameters
    public static readonly GatewayError InvalidParameters = new(400, "A400IP", "The request's parameters break the API's rules");
    public static readonly GatewayError ParameterCheckTimeout = new(400, "A400PT", "A parameter's value could not be checked against its pattern in time");
    public static readonly GatewayError BodyTooLarge = new(413, "A413BL", "The request body is larger than the API accepts");
    public static readonly GatewayError UnsupportedContentType = new(415, "A415CT", "The API does not accept a request body of this content type");

    /// <summary>Every error, for documentation and tests.</summary>
    public static IReadOnlyList<GatewayError> All { get; } =
        [ApiNotFound, InvalidStage, CatalogNotLoaded, BackendUnreachable, BackendBadResponse, NoHealthyBackend, BackendTimeout, Internal, ClientAborted,
         MalformedBody, BodyTooSlow,
         SignatureHeaderMissing, SignatureHeaderDuplicated, SignatureHeaderEmpty, SignatureMethodNotAllowed, TimestampInvalid, TimestampExpired,
         TimestampInFuture, NonceInvalid, SignatureNotBase64, AppKeyUnknown, ContentMd5Mismatch, SignatureMismatch, NonceReplayed, AppDisabled,
         GrantMissing, GrantExpired, NonceUnavailable, CorsOriginRefused, CorsRequestRefused, CircuitOpen,
         IpDenied, BadForwardedFor, HttpsRequired, TokenMissing, TokenInvalid, TokenAlgorithm, TokenUnknownKey, TokenExpired,
         TokenNotYetValid, TokenAudience, TokenIssuer, TokenSubject, IdentityProviderUnavailable,
         ThrottledByApi, ThrottledByUser, ThrottledByApp, ThrottledByIp, ThrottlingUnavailable,
         PackageUsedUp, PackageExpired, PackageUnavailable,
         InvalidParameters, ParameterCheckTimeout, BodyTooLarge, UnsupportedContentType];
}
