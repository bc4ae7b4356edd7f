using System.Globalization;
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
            ? InvokeInternal(context, request, api)
            : next(context);
    }

    /// <summary>The authentication types that include an app signature.</summary>
    public static bool RequiresSignature(ApiAuthType type) => type is ApiAuthType.AppSignature or ApiAuthType.AppSignatureAndOpenIdConnect;

    private async Task InvokeInternal(HttpContext context, GatewayRequest request, PublishedApi api)
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
            await Refuse(context, api, appKey, problem.Error, problem.Detail);
            return;
        }

        // 2. Signature method: known, and allowed by this API.
        var method = methodText ?? SignatureMethod.Default;
        if (!SignatureMethod.All.Contains(method, StringComparer.Ordinal))
        {
            await Refuse(context, api, appKey, GatewayError.SignatureMethodNotAllowed, $"'{method}' is not {string.Join(" or ", SignatureMethod.All)}");
            return;
        }

        if (api.Definition.SignatureMethods.Length > 0 && !api.Definition.SignatureMethods.Contains(method, StringComparer.Ordinal))
        {
            await Refuse(context, api, appKey, GatewayError.SignatureMethodNotAllowed, $"this API accepts {string.Join(", ", api.Definition.SignatureMethods)}");
            return;
        }

        // 3. Timestamp within the window of the gateway clock.
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var millis)
            || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            await Refuse(context, api, appKey, GatewayError.TimestampInvalid, null);
            return;
        }

        var now = time.GetUtcNow();
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        if (timestamp < now - Window || timestamp > now + Window)
        {
            await Refuse(context, api, appKey, timestamp < now ? GatewayError.TimestampExpired : GatewayError.TimestampInFuture,
                $"gateway time is {now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}");
            return;
        }

        if (nonce is not null && (nonce.Length > MaxNonceLength || !nonce.All(c => c is > ' ' and <= '~')))
        {
            await Refuse(context, api, appKey, GatewayError.NonceInvalid, null);
            return;
        }

        // 4. The signature decodes to an HMAC of the method's size.
        var macLength = method == SignatureMethod.HmacSha1 ? 20 : 32;
        var presented = new byte[33];
        if (!Convert.TryFromBase64String(signature!, presented, out var written) || written != macLength)
        {
            await Refuse(context, api, appKey, GatewayError.SignatureNotBase64, null);
            return;
        }

        // 5. The AppKey, from the local snapshot.
        if (!request.Catalog!.Callers.TryFindKey(appKey!, out var credential))
        {
            await Refuse(context, api, appKey, GatewayError.AppKeyUnknown, null);
            return;
        }

        if (!credential.App.Enabled)
        {
            await Refuse(context, api, appKey, GatewayError.AppDisabled, null);
            return;
        }

        // 6. The body, only when Content-MD5 or form parameters need it.
        var contentType = headers.ContentType.ToString();
        var isForm = CaSignatureText.IsForm(contentType);
        IReadOnlyList<KeyValuePair<string, string>>? form = null;
        if (isForm || contentMd5 is not null)
        {
            var body = await RequestBody.ReadAsync(context, parameters.MaxReadBodyBytes);
            if (body is null)
            {
                LogRefused(api.Definition.Id, api.Stage, GatewayError.BodyTooLarge.Code, appKey ?? "-");
                await RequestBody.RefuseAsync(context, RequestBody.Limit(request, parameters.MaxReadBodyBytes));
                return;
            }

            if (contentMd5 is not null && !isForm && !string.Equals(contentMd5, CaSignatureText.BodyMd5(body.Bytes), StringComparison.Ordinal))
            {
                await Refuse(context, api, appKey, GatewayError.ContentMd5Mismatch, null);
                return;
            }

            if (isForm)
            {
                form = body.Form;
            }
        }

        // 7. The HMAC over the server's own string-to-sign.
        var signedHeaders = ClientSignatureText.SignedHeaderNames(signedHeaderList)
            .Select(name => new KeyValuePair<string, string>(name, headers[name].ToString()));
        var stringToSign = ClientSignatureText.Build(
            context.Request.Method,
            Optional(headers.Accept),
            contentMd5,
            contentType.Length == 0 ? null : contentType,
            Optional(headers.Date),
            signedHeaders,
            CaSignatureText.PathAndParameters((context.Request.PathBase + context.Request.Path).Value ?? "", CaSignatureText.ParseParameters(context.Request.QueryString.Value), form));
        var expected = new byte[32];
        CaSignatureText.Sign(method, credential.Secret, stringToSign, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, macLength), presented.AsSpan(0, macLength)))
        {
            // The answer a client needs to find what differs: the server's string-to-sign, '\n' written as '#'.
            await Refuse(context, api, appKey, GatewayError.SignatureMismatch with
            {
                Message = GatewayError.SignatureMismatch.Message + stringToSign.Replace('\n', '#'),
            }, null);
            return;
        }

        // 8. The nonce, once across the cluster: the only remote call, made only for a request that proved its key.
        if (nonce is not null)
        {
            NonceDecision decision;
            try
            {
                var keepUntil = (timestamp > now ? timestamp : now) + Window;
                decision = await grains.GetGrain<INonceGrain>(GrainKeys.Nonce(appKey!, nonce)).TryUse(nonce, keepUntil);
            }
            catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                // Fail closed: accepting an unchecked nonce would open the door to replays.
                LogNonceCheckFailed(e, appKey!);
                await GatewayErrorWriter.WriteAsync(context, GatewayError.NonceUnavailable);
                return;
            }

            if (!decision.Accepted)
            {
                await Refuse(context, api, appKey, GatewayError.NonceReplayed, null);
                return;
            }
        }

        request.AppId = credential.App.Id;
        request.AppKey = credential.AppKey;
        request.UserId = credential.App.Owner;
        await next(context);
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
