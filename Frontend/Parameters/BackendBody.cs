using System.Text;
using Gateway.Catalog;
using Gateway.Frontend.Pipeline;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Frontend.Parameters;

/// <summary>
/// Makes the body a MAPPING-mode backend gets: the checked JSON body, a form built from the values sent to FORM, or
/// nothing. YARP streams the outgoing body from HttpContext.Request and refuses a replaced HttpContent, so this runs
/// before the proxy step, right after validation; the request transform does the rest.
/// </summary>
internal static class BackendBody
{
    public static void Prepare(HttpContext context, ParameterValues values)
    {
        var plan = values.Plan;
        var request = context.Request;
        byte[]? bytes = null;
        string? contentType = null;
        if (plan.BodyParameter is not null && values.Body is { Length: > 0 } body)
        {
            bytes = body;
            contentType = request.ContentType;
        }
        else if (plan.SendsForm && BuildForm(context, values) is { Length: > 0 } form)
        {
            bytes = Encoding.UTF8.GetBytes(form);
            contentType = "application/x-www-form-urlencoded";
        }

        var headers = request.Headers;
        if (bytes is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true && headers.ContentType.Count == 0)
        {
            return; // no body came and none goes: the common GET
        }

        headers.TransferEncoding = default;
        context.GetGatewayRequest().BackendBody = bytes ?? [];
        if (bytes is null)
        {
            request.Body = Stream.Null;
            headers.ContentLength = null;
            headers.ContentType = default;
        }
        else
        {
            request.Body = new MemoryStream(bytes, writable: false);
            headers.ContentLength = bytes.Length;
            headers.ContentType = contentType;
        }

        // YARP asks this feature whether to send a body at all; a GET whose values go to FORM now has one.
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(bytes is not null));
    }

    private static string BuildForm(HttpContext context, ParameterValues values)
    {
        var plan = values.Plan;
        var fields = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < plan.Parameters.Length; i++)
        {
            var p = plan.Parameters[i].Parameter;
            if ((p.BackendLocation ?? p.Location) == ParameterLocation.Form)
            {
                fields.AddRange(values.Values[i].Select(v => new KeyValuePair<string, string>(p.BackendName ?? p.Name, v ?? "")));
            }
        }

        fields.AddRange(plan.Definition.Constants.Where(c => c.Location == ParameterLocation.Form).Select(c => new KeyValuePair<string, string>(c.Name, c.Value)));
        var request = context.GetGatewayRequest();
        foreach (var system in plan.Definition.SystemParameters.Where(s => s.Location == ParameterLocation.Form))
        {
            if (ParameterForwarding.SystemValue(system.Kind, context, request, values) is { } value)
            {
                fields.Add(new(system.Name, value));
            }
        }

        return string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody { get; } = canHaveBody;
    }
}
