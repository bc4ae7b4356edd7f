using System.Text.Json;
using Gateway.Catalog;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Frontend.Routing;
using Gateway.Parameters;
using Json.Schema;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Gateway.Frontend.Parameters;

/// <summary>
/// Checks a matched call against its API's parameter definitions before any backend is contacted: body size (413),
/// content type (415), then every parameter rule at once (400 naming each violation). What it read is kept as
/// <see cref="ParameterValues"/> for the forwarding transform.
/// </summary>
internal sealed partial class ParameterValidation(
    RequestDelegate next, ParameterSettings settings, TimeProvider time, ILogger<ParameterValidation> logger)
{
    private static readonly EvaluationOptions SchemaOptions = new() { OutputFormat = OutputFormat.List };

    private static readonly IReadOnlyDictionary<string, StringValues> NoFields = new Dictionary<string, StringValues>();

    private const string NotUtf8 = "is not UTF-8: it has a byte, or a percent escape of one, that is not part of a UTF-8 character";

    public Task Invoke(HttpContext context)
    {
        var plan = context.GetGatewayRequest().Route?.Parameters;
        if (plan is null || plan.IsTrivial)
        {
            return next(context);
        }

        return InvokeInternal(context, plan);
    }

    /// <summary>Without an async state machine unless the body must be read: a GET is checked and passed on at once.</summary>
    private Task InvokeInternal(HttpContext context, ParameterPlan plan)
    {
        if (plan.Broken is not null)
        {
            return GatewayErrorWriter.WriteAsync(context, GatewayError.Internal);
        }

        var receivedAt = time.GetUtcNow();
        var request = context.Request;
        var definition = plan.Definition;
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
        var limit = definition.MaxBodyBytes;
        if (limit is { } max && request.ContentLength > max)
        {
            return RefuseBody(context, max);
        }

        if (hasBody && !AcceptsContentType(plan, request.ContentType, out var why))
        {
            return RefuseBody(context, GatewayError.UnsupportedContentType, why);
        }

        // A compressed body would be checked as if its bytes were the form or the JSON. A 415 for a content coding says
        // in Accept-Encoding which codings the server reads (RFC 7694).
        if (hasBody && plan.MustReadBody && request.Headers.ContentEncoding is { Count: > 0 } coding && !IsIdentity(coding))
        {
            context.Response.Headers.AcceptEncoding = "identity";
            return RefuseBody(context, GatewayError.UnsupportedContentType,
                $"got Content-Encoding '{coding}', the API checks the body's content and reads it uncompressed");
        }

        // The body is read when a rule needs it, and when a limit must hold for a body of unknown length, so that an
        // oversized one gets a clean 413 instead of a backend call cut in the middle. A body with a Content-Length
        // within the limit streams: Kestrel holds it to its length, and to the limit set here.
        if (hasBody && (plan.MustReadBody || (limit is not null && request.ContentLength is null)))
        {
            return ReadBodyAndCheckAsync(context, plan, receivedAt);
        }

        if (limit is { } streamed)
        {
            RequestBody.LimitServer(context, streamed);
        }

        return Check(context, plan, null, receivedAt);
    }

    private async Task ReadBodyAndCheckAsync(HttpContext context, ParameterPlan plan, DateTimeOffset receivedAt)
    {
        var body = await RequestBody.ReadAsync(context, settings.MaxReadBodyBytes);
        if (body is null)
        {
            await RefuseBody(context, RequestBody.Limit(context.GetGatewayRequest(), settings.MaxReadBodyBytes));
            return;
        }

        await Check(context, plan, body, receivedAt);
    }

    /// <summary>Every parameter rule at once; the values found are kept for the forwarding transform.</summary>
    private Task Check(HttpContext context, ParameterPlan plan, RequestBody? body, DateTimeOffset receivedAt)
    {
        var request = context.Request;
        var definition = plan.Definition;
        var violations = new List<ParameterViolation>();
        var values = new StringValues[plan.Parameters.Length];
        var form = plan.ReadsForm ? body?.FormFields ?? NoFields : null;
        bool[]? undecodable = null;
        if (plan.ReadsQuery)
        {
            ReadQuery(request.QueryString, plan, values, ref undecodable);
        }

        for (var i = 0; i < plan.Parameters.Length; i++)
        {
            var rules = plan.Parameters[i];
            var p = rules.Parameter;
            var found = p.Location switch
            {
                ParameterLocation.Path => request.RouteValues.TryGetValue(p.Name, out var v) && v?.ToString() is { } text
                    ? new StringValues(PathValue(context, plan, i, text, ref undecodable))
                    : StringValues.Empty,
                ParameterLocation.Query => values[i],
                ParameterLocation.Header => request.Headers[p.Name],
                ParameterLocation.Form => form!.GetValueOrDefault(p.Name),
                _ => StringValues.Empty,
            };

            if (found.Count == 0)
            {
                if (p.Required)
                {
                    violations.Add(new(p.Name, p.Location.ToString(), "required", "is required", null));
                }
                else if (p.Default is not null)
                {
                    values[i] = p.Default;
                }

                continue;
            }

            if (!p.IsArray && found.Count > 1)
            {
                violations.Add(new(p.Name, p.Location.ToString(), "single", $"is sent {found.Count} times; it may appear once", null));
                continue;
            }

            if (undecodable?[i] == true || (p.Location == ParameterLocation.Form && body?.FieldIsUtf8(p.Name) == false))
            {
                // Its rules would check text the caller did not send.
                violations.Add(new(p.Name, p.Location.ToString(), "encoding", NotUtf8, ParameterRules.Shorten(found.ToString())));
                continue;
            }

            foreach (var value in found)
            {
                rules.Check(value ?? "", violations);
            }

            if (plan.Mapping && (p.BackendLocation ?? p.Location) == ParameterLocation.Path && found.ToString() is "" or "." or "..")
            {
                // Such a value would remove or climb a segment of the backend path.
                violations.Add(new(p.Name, p.Location.ToString(), "segment", "cannot be a whole path segment ('', '.' or '..')", ParameterRules.Shorten(found.ToString())));
            }

            values[i] = found;
        }

        if (plan.BodyParameter is { } bodyParameter)
        {
            CheckBody(plan, bodyParameter, body?.Bytes, violations);
        }

        if (violations.Count > 0)
        {
            LogRefused(definition.Id, plan.Api.Stage, violations.Count);
            return ParameterErrorWriter.WriteAsync(context, violations);
        }

        var checkedValues = new ParameterValues(plan, values, body?.Bytes, receivedAt);
        context.Features.Set(checkedValues);
        if (plan.Mapping)
        {
            BackendBody.Prepare(context, checkedValues);
        }

        return next(context);
    }

    /// <summary>
    /// The values of the plan's query parameters, read where they stand in the query string, into their places in
    /// <paramref name="values"/>: ASP.NET Core's parsed query would decode and keep every name and value of the call in
    /// a dictionary of its own. The pairs and their decoding are the same (its parse enumerates the query with
    /// <see cref="QueryStringEnumerable"/> too), names match ignoring case as its keys do, and a repeated name
    /// collects its values in order.
    /// </summary>
    private static void ReadQuery(QueryString query, ParameterPlan plan, StringValues[] values, ref bool[]? undecodable)
    {
        if (!query.HasValue)
        {
            return;
        }

        foreach (var pair in new QueryStringEnumerable(query.Value))
        {
            var name = pair.DecodeName().Span;
            for (var i = 0; i < plan.Parameters.Length; i++)
            {
                var p = plan.Parameters[i].Parameter;
                if (p.Location == ParameterLocation.Query && name.Equals(p.Name, StringComparison.OrdinalIgnoreCase))
                {
                    values[i] = StringValues.Concat(values[i], pair.DecodeValue().ToString());
                    if (!PercentEncoding.IsUtf8(pair.EncodedValue.Span))
                    {
                        Mark(ref undecodable, plan, i);
                    }
                }
            }
        }
    }

    /// <summary>
    /// A path segment's fully decoded text. Kestrel decodes the path except '%2F', so that an encoded slash cannot split
    /// a segment, and it keeps an escape that is not UTF-8 as its three characters; so a route value with a '%' in it
    /// could stand for more than one thing the caller sent ('%2F' for '%2F' or '%252F'), and the value is decoded again
    /// from the caller's own segment. A segment that is not UTF-8 is marked in <paramref name="undecodable"/>.
    /// </summary>
    private static string PathValue(HttpContext context, ParameterPlan plan, int index, string routeValue, ref bool[]? undecodable)
    {
        if (!routeValue.Contains('%'))
        {
            return routeValue;
        }

        if (CallerEncodedPath.TryGetSegmentFromEnd(context, plan.PathSegmentFromEnd[index], out var segment))
        {
            if (!PercentEncoding.IsUtf8(segment))
            {
                Mark(ref undecodable, plan, index);
                return routeValue;
            }

            return Uri.UnescapeDataString(segment);
        }

        // A '.' or '..' segment after it: Kestrel's own decoding is all there is, and an escape left in it that is not
        // UTF-8 is taken for one the caller sent (rather than for the rare '%25' of a caller who meant the text).
        if (!PercentEncoding.IsUtf8(routeValue))
        {
            Mark(ref undecodable, plan, index);
        }

        return routeValue.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Marks a parameter whose value is not UTF-8 (<see cref="PercentEncoding"/>); the array is made for the first.</summary>
    private static void Mark(ref bool[]? undecodable, ParameterPlan plan, int index) =>
        (undecodable ??= new bool[plan.Parameters.Length])[index] = true;

    private static void CheckBody(ParameterPlan plan, ApiParameter parameter, byte[]? body, List<ParameterViolation> violations)
    {
        var location = ParameterLocation.Body.ToString();
        if (body is null || body.Length == 0)
        {
            if (parameter.Required)
            {
                violations.Add(new(parameter.Name, location, "required", "is required", null));
            }

            return;
        }

        JsonDocument document;
        try
        {
            // A repeated key would let the schema check one value while the backend reads the other.
            document = JsonDocument.Parse(body, BodyJsonOptions);
        }
        catch (JsonException e)
        {
            violations.Add(new(parameter.Name, location, "json", $"is not JSON: {e.Message}", null));
            return;
        }
        catch (InvalidOperationException)
        {
            // The duplicate check reads the names, and so meets a name that is not text first.
            violations.Add(new(parameter.Name, location, "json", $"is not JSON: {BadTextMessage}", null));
            return;
        }

        using (document)
        {
            if (BadText(document.RootElement) is { } bad)
            {
                violations.Add(new(parameter.Name, location, "json", $"is not JSON: {bad}", null));
                return;
            }

            var results = plan.BodySchema!.Evaluate(document.RootElement, SchemaOptions);
            if (results.IsValid)
            {
                return;
            }

            var before = violations.Count;
            foreach (var detail in (results.Details ?? []).Prepend(results))
            {
                if (detail.Errors is null)
                {
                    continue;
                }

                foreach (var (keyword, error) in detail.Errors)
                {
                    var at = detail.InstanceLocation.ToString();
                    violations.Add(new(parameter.Name, location, "schema", $"at '{(at.Length == 0 ? "/" : at)}' {keyword}: {error}", null));
                }
            }

            if (violations.Count == before)
            {
                violations.Add(new(parameter.Name, location, "schema", "does not satisfy the API's JSON Schema", null));
            }
        }
    }

    private const string BadTextMessage = "a name or string is not valid UTF-8 or holds a lone surrogate";

    private static readonly JsonDocumentOptions BodyJsonOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    /// <summary>
    /// The parser checks structure, not text: a string with bytes that are not UTF-8, or an escaped lone surrogate
    /// (<c>"\ud800"</c>), only fails when its value is read, which the schema would do half-way through. Every name
    /// and string is read here first, so that such a body is refused as not JSON.
    /// </summary>
    private static string? BadText(JsonElement element)
    {
        try
        {
            return Walk(element);
        }
        catch (InvalidOperationException)
        {
            return BadTextMessage;
        }

        static string? Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item);
                    }

                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        Walk(property.Value);
                    }

                    break;
            }

            return null;
        }
    }

    private static bool AcceptsContentType(ParameterPlan plan, string? contentType, out string why)
    {
        why = "";
        var allowed = plan.Definition.ContentTypes;
        if (allowed.Length == 0 && !plan.MustReadBody)
        {
            return true;
        }

        var mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value ?? "" : "";
        if (allowed.Length > 0 && !allowed.Any(range => MediaRanges.Matches(range, mediaType)))
        {
            why = $"got '{contentType}', accepted: {string.Join(", ", allowed)}";
            return false;
        }

        if (plan.ReadsForm && !string.Equals(mediaType, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            why = $"got '{contentType}', the API reads form fields from application/x-www-form-urlencoded";
            return false;
        }

        if (plan.BodyParameter is not null && !IsJson(mediaType))
        {
            why = $"got '{contentType}', the API reads a JSON body";
            return false;
        }

        return true;
    }

    private static bool IsIdentity(StringValues coding) =>
        coding.All(value => value is null || value.Split(',').All(part => part.Trim() is "" || part.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase)));

    private static bool IsJson(string mediaType) =>
        string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase)
        || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private Task RefuseBody(HttpContext context, long limit)
    {
        var request = context.GetGatewayRequest();
        LogBodyRefused(request.Api?.Definition.Id ?? "", request.Api?.Stage ?? "", GatewayError.BodyTooLarge.Status, $"over {limit} bytes");
        return RequestBody.RefuseAsync(context, limit);
    }

    private Task RefuseBody(HttpContext context, GatewayError error, string detail)
    {
        var request = context.GetGatewayRequest();
        LogBodyRefused(request.Api?.Definition.Id ?? "", request.Api?.Stage ?? "", error.Status, detail);
        return GatewayErrorWriter.WriteAsync(context, error, detail);
    }

    [LoggerMessage(EventId = LogEvents.ParametersRefused, Level = LogLevel.Debug, Message = "Call to {Api} in {Stage} refused: {Count} parameter violations")]
    private partial void LogRefused(string api, string stage, int count);

    [LoggerMessage(EventId = LogEvents.BodyRefused, Level = LogLevel.Debug, Message = "Call to {Api} in {Stage} refused with {Status}: {Detail}")]
    private partial void LogBodyRefused(string api, string stage, int status, string detail);
}

public static class ParameterValidationExtensions
{
    /// <summary>
    /// Belongs after routing has recorded the matched API (UseUnmatchedRequests) and after authentication and
    /// authorization, before throttling and the proxy: refused calls never reach a backend.
    /// </summary>
    public static IApplicationBuilder UseParameterValidation(this IApplicationBuilder app) => app.UseMiddleware<ParameterValidation>();
}
