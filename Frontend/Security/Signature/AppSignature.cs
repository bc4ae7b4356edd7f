using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Gateway.BackendSignature;
using Gateway.Catalog;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Parameters;
using Gateway.Frontend.Pipeline;
using Gateway.Security;
using Microsoft.Extensions.Primitives;

namespace Gateway.Frontend.Security.Signature;

/// <summary>
/// Authenticates calls to APIs with <see cref="ApiAuthType.AppSignature"/> by their X-Ca signature
/// (docs/SIGNATURE.md section 1) and records the app on the <see cref="GatewayRequest"/>. Checks run cheapest first:
/// header shape, method, timestamp, Base64, the AppKey in the local snapshot, the body (only when Content-MD5 or
/// a form needs it, read once for every step), the HMAC, and last the one remote call: the cluster-wide nonce check.
/// </summary>
internal sealed partial class AppSignatureMiddleware(
    RequestDelegate next,
    ParameterSettings parameters,
    IGrainFactory grains,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
    ILogger<AppSignatureMiddleware> logger)
{
    public const string KeyHeader = "X-Ca-Key";
    public const string SignatureHeader = "X-Ca-Signature";
    public const string MethodHeader = "X-Ca-Signature-Method";
    public const string TimestampHeader = "X-Ca-Timestamp";
    public const string NonceHeader = "X-Ca-Nonce";
    public const string SignedHeadersHeader = "X-Ca-Signature-Headers";

    /// <summary>How far X-Ca-Timestamp may be from the gateway clock, and how long a nonce is remembered.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private const int MaxNonceLength = 128;

    public Task Invoke(HttpContext context)
    {
        var request = context.GetGatewayRequest();
        return request.Api is { } api && RequiresSignature(api.Definition.AuthType)
            ? Authenticate(context, request, api)
            : next(context);
    }

    /// <summary>The authentication types that include an app signature.</summary>
    public static bool RequiresSignature(ApiAuthType type) => type is ApiAuthType.AppSignature or ApiAuthType.AppSignatureAndOpenIdConnect;

    /// <summary>
    /// Steps 1 to 5 and, for a call that needs neither its body nor a nonce check (the usual GET), 7, without an async
    /// state machine: only reading the body and the nonce check wait for anything.
    /// </summary>
    private Task Authenticate(HttpContext context, GatewayRequest request, PublishedApi api)
    {
        var headers = context.Request.Headers;

        // 1. Header shape: every X-Ca header at most once and never empty; key, signature and timestamp required.
        if (!TryHeader(headers, KeyHeader, required: true, out var appKey, out var problem)
            || !TryHeader(headers, SignatureHeader, required: true, out var signature, out problem)
            || !TryHeader(headers, TimestampHeader, required: true, out var timestampText, out problem)
            || !TryHeader(headers, MethodHeader, required: false, out var methodText, out problem)
            || !TryHeader(headers, NonceHeader, required: api.Definition.NonceRequired, out var nonce, out problem)
            || !TryHeader(headers, SignedHeadersHeader, required: false, out var signedHeaderList, out problem)
            || !TryHeader(headers, "Content-MD5", required: false, out var contentMd5, out problem))
        {
            return Refuse(context, api, appKey, problem.Error, problem.Detail);
        }

        // 2. Signature method: known, and allowed by this API.
        var method = methodText ?? SignatureMethod.Default;
        if (method is not (SignatureMethod.HmacSha256 or SignatureMethod.HmacSha1))
        {
            return Refuse(context, api, appKey, GatewayError.SignatureMethodNotAllowed, $"'{method}' is not {string.Join(" or ", SignatureMethod.All)}");
        }

        if (api.Definition.SignatureMethods.Length > 0 && Array.IndexOf(api.Definition.SignatureMethods, method) < 0)
        {
            return Refuse(context, api, appKey, GatewayError.SignatureMethodNotAllowed, $"this API accepts {string.Join(", ", api.Definition.SignatureMethods)}");
        }

        // 3. Timestamp within the window of the gateway clock.
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var millis)
            || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return Refuse(context, api, appKey, GatewayError.TimestampInvalid, null);
        }

        var now = time.GetUtcNow();
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        if (timestamp < now - Window || timestamp > now + Window)
        {
            return Refuse(context, api, appKey, timestamp < now ? GatewayError.TimestampExpired : GatewayError.TimestampInFuture,
                $"gateway time is {now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}");
        }

        if (nonce is not null && (nonce.Length > MaxNonceLength || nonce.AsSpan().ContainsAnyExceptInRange('!', '~')))
        {
            return Refuse(context, api, appKey, GatewayError.NonceInvalid, null);
        }

        // 4. The signature decodes to an HMAC of the method's size.
        var macLength = method == SignatureMethod.HmacSha1 ? 20 : 32;
        Span<byte> presented = stackalloc byte[33];
        if (!Convert.TryFromBase64String(signature!, presented, out var written) || written != macLength)
        {
            return Refuse(context, api, appKey, GatewayError.SignatureNotBase64, null);
        }

        // 5. The AppKey, from the local snapshot.
        if (!request.Catalog!.Callers.TryFindKey(appKey!, out var credential))
        {
            return Refuse(context, api, appKey, GatewayError.AppKeyUnknown, null);
        }

        if (!credential.App.Enabled)
        {
            return Refuse(context, api, appKey, GatewayError.AppDisabled, null);
        }

        var mac = default(Mac);
        presented[..macLength].CopyTo(mac);
        var call = new SignedCall(api, credential, method, mac, macLength, contentMd5, signedHeaderList, nonce, timestamp, now);

        // 6. The body, only when Content-MD5 or form parameters need it.
        var contentType = headers.ContentType.ToString();
        if (CaSignatureText.IsForm(contentType) || contentMd5 is not null)
        {
            return CheckWithBodyAsync(context, request, call, contentType);
        }

        return CheckSignature(context, request, call, contentType, null);
    }

    private async Task CheckWithBodyAsync(HttpContext context, GatewayRequest request, SignedCall call, string contentType)
    {
        var isForm = CaSignatureText.IsForm(contentType);
        var body = await RequestBody.ReadAsync(context, parameters.MaxReadBodyBytes);
        if (body is null)
        {
            LogRefused(call.Api.Definition.Id, call.Api.Stage, GatewayError.BodyTooLarge.Code, call.Credential.AppKey);
            await RequestBody.RefuseAsync(context, RequestBody.Limit(request, parameters.MaxReadBodyBytes));
            return;
        }

        if (call.ContentMd5 is not null && !isForm && !string.Equals(call.ContentMd5, CaSignatureText.BodyMd5(body.Bytes), StringComparison.Ordinal))
        {
            await Refuse(context, call.Api, call.Credential.AppKey, GatewayError.ContentMd5Mismatch, null);
            return;
        }

        await CheckSignature(context, request, call, contentType, isForm ? body.Form : null);
    }

    /// <summary>7. The HMAC over the server's own string-to-sign, then 8, the nonce.</summary>
    private Task CheckSignature(HttpContext context, GatewayRequest request, SignedCall call, string contentType, IReadOnlyList<KeyValuePair<string, string>>? form)
    {
        if (Mismatch(context, call, contentType, form) is { } stringToSign)
        {
            // The answer a client needs to find what differs: the server's string-to-sign, '\n' written as '#'.
            return Refuse(context, call.Api, call.Credential.AppKey, GatewayError.SignatureMismatch with
            {
                Message = GatewayError.SignatureMismatch.Message + stringToSign.Replace('\n', '#'),
            }, null);
        }

        // 8. The nonce, once across the cluster: the only remote call, made only for a request that proved its key.
        if (call.Nonce is not null)
        {
            return CheckNonceAsync(context, request, call);
        }

        Authenticated(request, call.Credential);
        return next(context);
    }

    /// <summary>Null when the presented signature is the one the gateway computes; else the gateway's string-to-sign.</summary>
    private static string? Mismatch(HttpContext context, SignedCall call, string contentType, IReadOnlyList<KeyValuePair<string, string>>? form)
    {
        var request = context.Request;
        var headers = request.Headers;
        var text = new SignatureTextBuilder(512);
        try
        {
            ClientSignatureText.WriteStart(
                ref text, request.Method, Optional(headers.Accept), call.ContentMd5, contentType.Length == 0 ? null : contentType, Optional(headers.Date));
            ClientSignatureText.WriteHeaders(ref text, call.SignedHeaders, headers);
            text.AddQuery(request.QueryString.Value);
            if (form is not null)
            {
                text.AddParameters(form, fromForm: true);
            }

            text.AppendPathAndParameters(request.PathBase.HasValue ? (request.PathBase + request.Path).Value : request.Path.Value);
            Span<byte> expected = stackalloc byte[32];
            text.Sign(call.Method, call.Credential.Secret, expected);
            var presented = call.Presented;
            return CryptographicOperations.FixedTimeEquals(expected[..call.MacLength], ((ReadOnlySpan<byte>)presented)[..call.MacLength]) ? null : text.ToString();
        }
        finally
        {
            text.Dispose();
        }
    }

    private async Task CheckNonceAsync(HttpContext context, GatewayRequest request, SignedCall call)
    {
        var appKey = call.Credential.AppKey;
        NonceDecision decision;
        try
        {
            var keepUntil = (call.Timestamp > call.Now ? call.Timestamp : call.Now) + Window;
            decision = await grains.GetGrain<INonceGrain>(GrainKeys.Nonce(appKey, call.Nonce!)).TryUse(call.Nonce!, keepUntil);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // Fail closed: accepting an unchecked nonce would open the door to replays.
            LogNonceCheckFailed(e, appKey);
            await GatewayErrorWriter.WriteAsync(context, GatewayError.NonceUnavailable);
            return;
        }

        if (!decision.Accepted)
        {
            await Refuse(context, call.Api, appKey, GatewayError.NonceReplayed, null);
            return;
        }

        Authenticated(request, call.Credential);
        await next(context);
    }

    private static void Authenticated(GatewayRequest request, AppCredential credential)
    {
        request.AppId = credential.App.Id;
        request.AppKey = credential.AppKey;
        request.UserId = credential.App.Owner;
    }

    /// <summary>What steps 1 to 5 established about a signed call, for the steps that may have to wait; a value, not an allocation.</summary>
    private readonly record struct SignedCall(
        PublishedApi Api,
        AppCredential Credential,
        string Method,
        Mac Presented,
        int MacLength,
        string? ContentMd5,
        string? SignedHeaders,
        string? Nonce,
        DateTimeOffset Timestamp,
        DateTimeOffset Now);

    /// <summary>The presented HMAC's bytes, held inline (SHA-256's 32 at most).</summary>
    [InlineArray(32)]
    private struct Mac
    {
        private byte _first;
    }

    /// <summary>One X-Ca header: absent (an error when required), present once and not empty, or an error.</summary>
    private static bool TryHeader(IHeaderDictionary headers, string name, bool required, out string? value, out (GatewayError Error, string Detail) problem)
    {
        value = null;
        problem = default;
        var values = headers[name];
        if (values.Count == 0)
        {
            problem = (GatewayError.SignatureHeaderMissing, required && name == NonceHeader ? $"{name} is required by this API" : name);
            return !required;
        }

        if (values.Count > 1)
        {
            problem = (GatewayError.SignatureHeaderDuplicated, name);
            return false;
        }

        if (string.IsNullOrWhiteSpace(values[0]))
        {
            problem = (GatewayError.SignatureHeaderEmpty, name);
            return false;
        }

        value = values[0]!.Trim();
        return true;
    }

    private static string? Optional(StringValues values) => values.Count == 0 ? null : values.ToString();

    private Task Refuse(HttpContext context, PublishedApi api, string? appKey, GatewayError error, string? detail)
    {
        // The AppKey names the caller, it is not a secret; the signature and the secret are never logged.
        LogRefused(api.Definition.Id, api.Stage, error.Code, appKey ?? "-");
        return GatewayErrorWriter.WriteAsync(context, error, detail);
    }

    [LoggerMessage(EventId = LogEvents.SignatureRefused, Level = LogLevel.Information, Message = "Refused a signed call to {Api} in {Stage}: {ErrorCode} (AppKey {AppKey})")]
    private partial void LogRefused(string api, string stage, string errorCode, string appKey);

    [LoggerMessage(EventId = LogEvents.NonceCheckFailed, Level = LogLevel.Warning, Message = "The nonce check for AppKey {AppKey} failed; the call is refused")]
    private partial void LogNonceCheckFailed(Exception exception, string appKey);
}

public static class AppSignatureExtensions
{
    /// <summary>
    /// Belongs right after UseUnmatchedRequests (it needs the matched API) and after the IP check, before the
    /// grant check (UseGrantAuthorization), which needs the app it finds.
    /// </summary>
    public static IApplicationBuilder UseAppSignature(this IApplicationBuilder app) => app.UseMiddleware<AppSignatureMiddleware>();
}
