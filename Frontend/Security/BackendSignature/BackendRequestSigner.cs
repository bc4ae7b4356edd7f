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
    /// <summary>The gateway's headers that the signature covers, when the request has them, in the order X-Ca-Proxy-Signature-Headers lists them.</summary>
    private static readonly string[] SignedHeaderCandidates = [RequestIds.Header, StageSelection.Header, "X-Ca-Key"];

    /// <summary>The candidates' indexes in the (ordinal) order of their names, the order the string-to-sign writes them in.</summary>
    private static readonly int[] WriteOrder = [.. Enumerable.Range(0, SignedHeaderCandidates.Length).OrderBy(i => SignedHeaderCandidates[i], StringComparer.Ordinal)];

    private static readonly string[] LowerCaseCandidates = [.. SignedHeaderCandidates.Select(n => n.ToLowerInvariant())];

    /// <summary>X-Ca-Proxy-Signature-Headers for each set of candidates present (bit i: candidate i), made once.</summary>
    private static readonly string[] SignedNames = [.. Enumerable.Range(0, 1 << SignedHeaderCandidates.Length)
        .Select(present => string.Join(',', SignedHeaderCandidates.Where((_, i) => (present & (1 << i)) != 0)))];

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
        // The address as the backend will see it (the destination's path base, then the transformed path), set here
        // so that YARP does not build it a second time; a mapping that had to set it itself is taken as it is.
        var query = ParameterForwarding.QueryOf(context, context.HttpContext.GetGatewayRequest());
        var destination = context.ProxyRequest.RequestUri ??= RequestUtilities.MakeDestinationAddress(context.DestinationPrefix, context.Path, query);
        var text = new SignatureTextBuilder(512);
        try
        {
            BackendSigner.WriteStart(ref text, context.HttpContext.Request.Method, bodyMd5);

            // Each candidate the request has, in the order of their names.
            var present = 0;
            foreach (var i in WriteOrder)
            {
                if (ReadHeader(context, SignedHeaderCandidates[i]) is { } value)
                {
                    text.Append(LowerCaseCandidates[i]);
                    text.Append(':');
                    text.Append(value);
                    text.Append('\n');
                    present |= 1 << i;
                }
            }

            text.AddQuery(query.Value);
            if (form is not null)
            {
                text.AddParameters(form, fromForm: true);
            }

            text.AppendPathAndParameters(CaSignatureText.DecodePath(destination.AbsolutePath));
            Span<byte> mac = stackalloc byte[32];
            text.Sign(BackendSigner.Algorithm, key.Key, mac);
            RequestTransform.AddHeader(context, BackendSigner.SignatureHeader, Convert.ToBase64String(mac));
            RequestTransform.AddHeader(context, BackendSigner.SignedHeadersHeader, SignedNames[present]);
            RequestTransform.AddHeader(context, BackendSigner.KeyNameHeader, key.Name);
        }
        finally
        {
            text.Dispose();
        }

        LogSigned(backend, key.Name);
    }

    /// <summary>
    /// A header as the request leaves, read from the outgoing request also when YARP copied no headers into it (a
    /// MAPPING route): then the mapping put there what it keeps, and the caller's own headers are not what is sent.
    /// </summary>
    private static string? ReadHeader(RequestTransformContext context, string name)
    {
        if (!context.ProxyRequest.Headers.NonValidated.TryGetValues(name, out var values))
        {
            return null;
        }

        if (values.Count == 1)
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return string.Join(',', values);
    }

    [LoggerMessage(EventId = LogEvents.BackendSigned, Level = LogLevel.Debug, Message = "Signed a request to backend {Backend} with key {KeyName}")]
    private partial void LogSigned(string backend, string keyName);
}
