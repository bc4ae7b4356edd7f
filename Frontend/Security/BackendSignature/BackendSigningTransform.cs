using Gateway.BackendSignature;
using Gateway.Frontend.Pipeline;
using Gateway.Frontend.Routing;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Frontend.Security.BackendSignature;

/// <summary>
/// Signs each request forwarded to a backend that has a signing key (docs/SIGNATURE.md section 2), over the request
/// as it leaves: after the path transform, with the backend's own path base, so that every mapped parameter is
/// covered. Added to every route; the key is looked up per request, so that a key change needs no route change.
/// </summary>
internal sealed partial class BackendSigningTransformProvider(
    CallerDirectoryCache directory,
    ILogger<BackendSigningTransformProvider> logger) : ITransformProvider
{
    /// <summary>The gateway's headers that the signature covers, when the request has them.</summary>
    private static readonly string[] SignedHeaderCandidates = [RequestIds.Header, StageSelection.Header, "X-Ca-Key"];

    private static readonly string[] OwnHeaders = [BackendSigner.SignatureHeader, BackendSigner.SignedHeadersHeader, BackendSigner.KeyNameHeader];

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddRequestTransform(SignAsync);

    private async ValueTask SignAsync(RequestTransformContext context)
    {
        // A client must never pass a signature of its own on to the backend, signed or not.
        foreach (var name in OwnHeaders)
        {
            context.HttpContext.Request.Headers.Remove(name);
            RequestTransform.RemoveHeader(context, name);
        }

        var api = context.HttpContext.Features.Get<GatewayRequest>()?.Api;
        if (api is null || !directory.Current.TryFindBackendKey(api.Definition.Backend, out var key))
        {
            return;
        }

        var request = context.HttpContext.Request;
        var bodyMd5 = "";
        List<KeyValuePair<string, string>>? form = null;
        var isForm = CaSignatureText.IsForm(request.ContentType);
        var needsBody = isForm || HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method);
        if (needsBody && context.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
        {
            var body = await ReadBody(context.HttpContext, context.CancellationToken);
            bodyMd5 = BackendSigner.BodyMd5(request.Method, request.ContentType, body);
            form = isForm ? CaSignatureText.ParseParameters(System.Text.Encoding.UTF8.GetString(body)) : null;
        }

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
            request.Method,
            bodyMd5,
            signed,
            CaSignatureText.PathAndParameters(path, CaSignatureText.ParseParameters(context.Query.QueryString.Value), form));

        RequestTransform.AddHeader(context, BackendSigner.SignatureHeader, BackendSigner.Sign(key.Secret, stringToSign));
        RequestTransform.AddHeader(context, BackendSigner.SignedHeadersHeader, string.Join(',', signed.Select(h => h.Key)));
        RequestTransform.AddHeader(context, BackendSigner.KeyNameHeader, key.Name);
        LogSigned(api.Definition.Backend, key.Name);
    }

    private static string? ReadHeader(RequestTransformContext context, string name)
    {
        if (!context.HeadersCopied)
        {
            return context.HttpContext.Request.Headers.TryGetValue(name, out var raw) ? raw.ToString() : null;
        }

        return context.ProxyRequest.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : null;
    }

    /// <summary>Reads the body and rewinds it; YARP forwards the same, now buffered, stream.</summary>
    private static async Task<byte[]> ReadBody(HttpContext context, CancellationToken cancellationToken)
    {
        context.Request.EnableBuffering();
        var body = context.Request.Body;
        body.Position = 0;
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        body.Position = 0;
        return buffer.ToArray();
    }

    [LoggerMessage(EventId = LogEvents.BackendSigned, Level = LogLevel.Debug, Message = "Signed a request to backend {Backend} with key {KeyName}")]
    private partial void LogSigned(string backend, string keyName);
}
