using Gateway.BackendSignature;
using Gateway.Frontend.Parameters;
using Gateway.Frontend.Pipeline;
using Gateway.Frontend.Routing;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Frontend.Security.BackendSignature;

/// <summary>
/// Signs each request forwarded to a backend that has a signing key (docs/SIGNATURE.md section 2), over the request as it
/// leaves: the last step of <see cref="BackendRequestTransforms"/>, after the path transform and the parameter
/// mapping, with the backend's own path base, so that every mapped parameter is covered. The key is looked up per
/// request, so that a key change needs no route change.
/// </summary>
internal sealed partial class BackendRequestSigner(
    ParameterSettings parameters,
    ILogger<BackendRequestSigner> logger)
{
    /// <summary>The gateway's headers that the signature covers, when the request has them.</summary>
    private static readonly string[] SignedHeaderCandidates = [RequestIds.Header, StageSelection.Header, "X-Ca-Key"];

    private static readonly string[] OwnHeaders = [BackendSigner.SignatureHeader, BackendSigner.SignedHeadersHeader, BackendSigner.KeyNameHeader];

    public ValueTask SignAsync(RequestTransformContext context)
    {
        // A client must never pass a signature of its own on to the backend, signed or not.
        foreach (var name in OwnHeaders)
        {
            context.HttpContext.Request.Headers.Remove(name);
            RequestTransform.RemoveHeader(context, name);
        }

        var gateway = context.HttpContext.GetGatewayRequest();
        if (gateway.Route is not { SigningKey: { } key } route)
        {
            return ValueTask.CompletedTask;
        }

        var api = route.Api;

        var request = context.HttpContext.Request;
        var isForm = CaSignatureText.IsForm(request.ContentType);
        var needsBody = isForm || HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method);
        if (!needsBody)
        {
            Sign(context, api.Definition.Backend, key, "", null);
            return ValueTask.CompletedTask;
        }

        return SignWithBodyAsync(context, gateway, api.Definition.Backend, key, isForm);
    }

    private async ValueTask SignWithBodyAsync(RequestTransformContext context, GatewayRequest gateway, string backend, BackendCredential key, bool isForm)
    {
        // The body as it leaves: the one MAPPING mode built, else the caller's (read once, within the API's limit).
        var request = context.HttpContext.Request;
        byte[] bytes;
        IReadOnlyList<KeyValuePair<string, string>>? form = null;
        if (gateway.BackendBody is { } built)
        {
            bytes = built;
            form = isForm ? CaSignatureText.ParseParameters(System.Text.Encoding.UTF8.GetString(built)) : null;
        }
        else if (await RequestBody.ReadAsync(context.HttpContext, parameters.MaxReadBodyBytes) is { } body)
        {
            bytes = body.Bytes;
            form = isForm ? body.Form : null;
        }
        else
        {
            // YARP forwards nothing once a transform has answered.
            await RequestBody.RefuseAsync(context.HttpContext, RequestBody.Limit(gateway, parameters.MaxReadBodyBytes));
            return;
        }

        Sign(context, backend, key, BackendSigner.BodyMd5(request.Method, request.ContentType, bytes), form);
    }

    private void Sign(RequestTransformContext context, string backend, BackendCredential key, string bodyMd5, IReadOnlyList<KeyValuePair<string, string>>? form)
    {
        var signed = new List<KeyValuePair<string, string>>(SignedHeaderCandidates.Length);
        foreach (var name in SignedHeaderCandidates)
        {
            var value = ReadHeader(context, name);
            if (value is not null)
            {
                signed.Add(new(name, value));
            }
        }

        // The path as the backend will see it: the destination's path base, then the transformed path.
        var destination = RequestUtilities.MakeDestinationAddress(context.DestinationPrefix, context.Path, context.Query.QueryString);
        var path = Uri.UnescapeDataString(destination.AbsolutePath);
        var stringToSign = BackendSigner.StringToSign(
            context.HttpContext.Request.Method,
            bodyMd5,
            signed,
            CaSignatureText.PathAndParameters(path, CaSignatureText.ParseParameters(context.Query.QueryString.Value), form));

        Span<byte> mac = stackalloc byte[32];
        CaSignatureText.Sign(BackendSigner.Algorithm, key.Key, stringToSign, mac);
        RequestTransform.AddHeader(context, BackendSigner.SignatureHeader, Convert.ToBase64String(mac));
        RequestTransform.AddHeader(context, BackendSigner.SignedHeadersHeader, SignedNames(signed));
        RequestTransform.AddHeader(context, BackendSigner.KeyNameHeader, key.Name);
        LogSigned(backend, key.Name);
    }

    private static string SignedNames(List<KeyValuePair<string, string>> signed) => signed.Count switch
    {
        0 => "",
        1 => signed[0].Key,
        _ => string.Join(',', signed.Select(h => h.Key)),
    };

    private static string? ReadHeader(RequestTransformContext context, string name)
    {
        if (!context.HeadersCopied)
        {
            return context.HttpContext.Request.Headers.TryGetValue(name, out var raw) ? raw.ToString() : null;
        }

        return context.ProxyRequest.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : null;
    }

    [LoggerMessage(EventId = LogEvents.BackendSigned, Level = LogLevel.Debug, Message = "Signed a request to backend {Backend} with key {KeyName}")]
    private partial void LogSigned(string backend, string keyName);
}
