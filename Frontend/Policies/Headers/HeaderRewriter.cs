using Gateway.Frontend.Pipeline;
using Gateway.Policies.Headers;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Frontend.Policies.Headers;

/// <summary>A header rewrite policy compiled for the hot path: each value split once into constants and system values.</summary>
public sealed class HeaderRewriter
{
    private readonly Rewrite[] _request;
    private readonly Rewrite[] _response;

    private HeaderRewriter(Rewrite[] request, Rewrite[] response)
    {
        _request = request;
        _response = response;
    }

    public bool RewritesResponse => _response.Length > 0;

    public static HeaderRewriter Compile(HeaderRewriteSettings settings) => new(
        [.. settings.Request.Select(Rewrite.Compile)],
        [.. settings.Response.Select(Rewrite.Compile)]);

    /// <summary>Rewrites the request as it leaves for the backend; runs before the backend signature, which then covers it.</summary>
    public void Apply(RequestTransformContext context)
    {
        var request = context.HttpContext.GetGatewayRequest();
        foreach (var rewrite in _request)
        {
            if (rewrite.Action != HeaderRewriteAction.Add)
            {
                RequestTransform.RemoveHeader(context, rewrite.Name);
            }

            if (rewrite.Action != HeaderRewriteAction.Remove)
            {
                RequestTransform.AddHeader(context, rewrite.Name, rewrite.ValueFor(request));
            }
        }
    }

    /// <summary>Rewrites the answer to the caller, whoever wrote it (the backend, a mock or the gateway).</summary>
    public void Apply(HttpContext context)
    {
        var request = context.GetGatewayRequest();
        var headers = context.Response.Headers;
        foreach (var rewrite in _response)
        {
            switch (rewrite.Action)
            {
                case HeaderRewriteAction.Remove:
                    headers.Remove(rewrite.Name);
                    break;
                case HeaderRewriteAction.Set:
                    headers[rewrite.Name] = rewrite.ValueFor(request);
                    break;
                default:
                    headers.Append(rewrite.Name, rewrite.ValueFor(request));
                    break;
            }
        }
    }

    private sealed record Rewrite(HeaderRewriteAction Action, string Name, (string Text, bool IsSystemValue)[] Parts)
    {
        public static Rewrite Compile(HeaderRewrite rewrite)
        {
            var parts = rewrite.Value is { } value && HeaderRewrite.TryParseValue(value, out var parsed, out _) ? parsed.ToArray() : [];
            return new Rewrite(rewrite.Action, rewrite.Name, parts);
        }

        public string ValueFor(GatewayRequest request)
        {
            if (Parts.Length == 1 && !Parts[0].IsSystemValue)
            {
                return Parts[0].Text;
            }

            var text = new System.Text.StringBuilder();
            foreach (var (part, isSystemValue) in Parts)
            {
                text.Append(isSystemValue ? SystemValue(request, part) : part);
            }

            return text.ToString();
        }

        private static string SystemValue(GatewayRequest request, string name) => name switch
        {
            "requestId" => request.RequestId,
            "clientIp" => request.ClientIpText ?? "",
            "apiId" => request.Api?.Definition.Id ?? "",
            "stage" => request.Api?.Stage ?? "",
            "appId" => request.AppId ?? "",
            _ => "",
        };
    }
}
