using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Gateway.Catalog;
using Gateway.Debugging;
using Gateway.Secrets;

namespace Gateway.Silo.Admin;

/// <summary>
/// The Debug API: <c>POST /v1/debug</c> calls an API (the version published in the stage, or its unpublished draft)
/// through a real frontend, signed server-side with the chosen app's key, and answers with what came back and the
/// timeline of the pipeline's steps. Its calls carry a
/// debug ticket (<see cref="DebugTicket"/>) so that the frontend charges no quota and counts nothing for billing.
/// </summary>
public static partial class DebugApi
{
    /// <summary>Bodies of the answer are cut here: the console shows them, it does not download them.</summary>
    public const int MaxBodyChars = 64 * 1024;

    private const int MaxRequestBytes = 1024 * 1024;

    private static readonly string[] Stages = ["RELEASE", "PRE", "TEST"];

    /// <summary>No redirects followed, no cookies kept: the answer is the frontend's, as a client would see it.</summary>
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    public static IEndpointRouteBuilder MapDebugApi(this IEndpointRouteBuilder api)
    {
        // Editor: a debug call reaches the backend, and may change things there.
        api.MapPost("/debug", Debug).Reads<DebugRequest>().RequireRole(AdminRole.Editor).WithTags("debug");
        return api;
    }

    private static async Task<IResult> Debug(HttpContext http, IGrainFactory grains, DebugTarget target)
    {
        var (request, readError) = await AdminBody.ReadAsync<DebugRequest>(http, MaxRequestBytes);
        if (readError is not null)
        {
            return readError;
        }

        if (target.Key is not { Length: >= DebugTicket.MinKeyLength } || target.Address is null)
        {
            return AdminResults.Problem(StatusCodes.Status503ServiceUnavailable, "Debug unavailable",
                "the Debug API needs Debug:FrontendAddress (a frontend's HTTP address) and Debug:Key (at least 32 characters, the same on every frontend)",
                code: "DebugUnavailable");
        }

        var catalog = grains.GetGrain<ICatalogGrain>(GrainKeys.Catalog);
        var snapshot = await catalog.GetSnapshot();
        var draft = request!.Draft && !string.IsNullOrEmpty(request.Api) ? await catalog.GetDraft(request.Api) : null;
        var (call, problems) = Prepare(request, snapshot, draft);
        if (call is null)
        {
            var status = problems.Any(p => p.Code == "NotFound") ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
            return AdminResults.Problem(status, status == 404 ? "Not found" : "Bad request", $"{problems.Count} problem(s) in the debug call", problems,
                status == 404 ? "NotFound" : "BadDebugCall");
        }

        if (call.Signer is { } sealedKey)
        {
            // The snapshot carries AppSecrets sealed (see Secrets at rest): open only the one this call signs with.
            var ring = http.RequestServices.GetRequiredService<SecretKeyRing>();
            call = call with { Signer = sealedKey with { Secret = ring.Open(sealedKey.Secret, SecretPurposes.AppSecret(sealedKey.Key)) } };
        }

        var answer = await SendAsync(call, target.Address, target.Key, http.RequestServices.GetRequiredKeyedService<TimeProvider>(GatewayTime.Key), http.RequestAborted);
        LogDebugCall(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DebugApi).FullName!),
            http.Features.Get<AdminCaller>()?.Name ?? "?", call.Api, call.Stage, request!.App ?? "anonymous", answer.Status, answer.RequestId ?? "");
        return AdminResults.Json(answer);
    }

    [LoggerMessage(EventId = LogEvents.DebugCall, Level = LogLevel.Information,
        Message = "Debug call by '{Caller}' to {Api} in {Stage} as {App}: {Status} (request {RequestId})")]
    private static partial void LogDebugCall(ILogger logger, string caller, string api, string stage, string app, int status, string requestId);

    /// <summary>The call to make, or every problem with the request at once. <paramref name="draft"/>: the API's draft, when the request asks for it.</summary>
    internal static (DebugCallPlan? Call, List<CatalogError> Problems) Prepare(DebugRequest request, CatalogSnapshot snapshot, ApiDefinition? draft = null)
    {
        var problems = new List<CatalogError>();
        var stage = string.IsNullOrEmpty(request.Stage) ? "TEST" : request.Stage.ToUpperInvariant();
        if (!Stages.Contains(stage))
        {
            problems.Add(new("stage", "BadStage", $"'{request.Stage}' is not RELEASE, PRE or TEST"));
        }

        if (string.IsNullOrEmpty(request.Api))
        {
            problems.Add(new("api", "Required", "name the API to call"));
            return (null, problems);
        }

        ApiDefinition api;
        if (request.Draft)
        {
            // The draft is called as if published in the stage: it need not be live anywhere.
            if (draft is null)
            {
                problems.Add(new("api", "NotFound", $"API '{request.Api}' does not exist"));
                return (null, problems);
            }

            api = draft;
        }
        else if (snapshot.Apis.FirstOrDefault(a => a.Definition.Id == request.Api && a.Stage == stage) is { } published)
        {
            api = published.Definition;
        }
        else
        {
            problems.Add(snapshot.Apis.Any(a => a.Definition.Id == request.Api)
                ? new("stage", "NotPublished", $"API '{request.Api}' is not published in {stage}; publish it there first, or call its draft (\"draft\": true)")
                : new("api", "NotFound", $"API '{request.Api}' is not published in any stage; call its draft with \"draft\": true"));
            return (null, problems);
        }

        var method = string.IsNullOrEmpty(request.Method) ? api.Methods.FirstOrDefault() ?? "GET" : request.Method.ToUpperInvariant();
        if (api.Methods.Length > 0 && !api.Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new("method", "BadMethod", $"API '{api.Id}' answers {string.Join(", ", api.Methods)}, not {method}"));
        }

        var group = snapshot.Groups.FirstOrDefault(g => g.Name == api.Group);
        var path = FillPath(PathTemplate.Combine(group?.BasePath, api.Path), request.Path, problems);

        (AppKey Key, string App)? signer = null;
        if (!string.IsNullOrEmpty(request.App))
        {
            if (!snapshot.Apps.Any(a => a.Id == request.App))
            {
                problems.Add(new("app", "NotFound", $"app '{request.App}' does not exist"));
            }
            else if (snapshot.AppKeys.Where(k => k.App == request.App).MaxBy(k => k.CreatedAt) is { } key)
            {
                signer = (key, request.App);
            }
            else
            {
                problems.Add(new("app", "NoKey", $"app '{request.App}' has no key to sign with; create one first"));
            }
        }

        foreach (var name in request.Headers.Keys.Where(n => n.StartsWith("X-Ca-", StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add(new($"headers.{name}", "Reserved", "X-Ca-* headers are set by the Debug API"));
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var query = string.Join('&', request.Query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value)));
        var contentType = request.Body is null ? null : request.ContentType ?? "application/json";
        var draftValue = request.Draft ? DebugDraft.Value(api.Id, DebugDraft.Digest(api)) : null;
        return (new DebugCallPlan(api.Id, stage, method, group?.Domains.FirstOrDefault(), path, query, request.Headers, request.Body, contentType, signer?.Key, draftValue), problems);
    }

    private static string FillPath(string template, Dictionary<string, string> values, List<CatalogError> problems)
    {
        var result = new StringBuilder();
        var at = 0;
        while (at < template.Length)
        {
            var open = template.IndexOf('{', at);
            if (open < 0)
            {
                result.Append(template, at, template.Length - at);
                break;
            }

            var close = template.IndexOf('}', open);
            result.Append(template, at, open - at);
            var name = template[(open + 1)..close].TrimEnd('*');
            if (values.TryGetValue(name, out var value) && value.Length > 0)
            {
                result.Append(Uri.EscapeDataString(value));
            }
            else
            {
                problems.Add(new($"path.{name}", "Required", $"give a value for the path parameter '{name}'"));
            }

            at = close + 1;
        }

        return result.ToString();
    }

    private static async Task<DebugAnswer> SendAsync(DebugCallPlan call, Uri frontend, string key, TimeProvider time, CancellationToken cancel)
    {
        var pathAndQuery = call.Query.Length > 0 ? call.Path + "?" + call.Query : call.Path;
        using var message = new HttpRequestMessage(new HttpMethod(call.Method), new Uri(frontend, pathAndQuery));
        var headers = new List<KeyValuePair<string, string>>();
        if (call.Host is not null)
        {
            headers.Add(new("Host", call.Host));
        }

        headers.Add(new("Accept", "*/*"));
        headers.Add(new("X-Ca-Stage", call.Stage));
        headers.AddRange(call.Headers);
        if (call.Signer is { } signer)
        {
            headers.AddRange(DebugCallSigner.Sign(call, signer, time.GetUtcNow()));
        }

        foreach (var (name, value) in headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Host = value;
            }
            else if (!name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (call.Body is not null)
        {
            message.Content = new StringContent(call.Body, Encoding.UTF8);
            message.Content.Headers.Remove("Content-Type");
            message.Content.Headers.TryAddWithoutValidation("Content-Type", call.ContentType);
        }

        // The ticket (and the draft it covers) is added last and kept out of "copy as curl": a copied command is an
        // ordinary call, of the version live in the stage.
        if (call.Draft is not null)
        {
            message.Headers.TryAddWithoutValidation(DebugDraft.Header, call.Draft);
        }

        message.Headers.TryAddWithoutValidation(DebugTicket.Header, DebugTicket.Create(key, call.Method, call.Path, time.GetUtcNow(), call.Draft));
        var curl = DebugCallSigner.Curl(call, new Uri(frontend, pathAndQuery), headers);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancel);
            var body = await ReadCappedAsync(response, cancel);
            var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var answerHeaders = response.Headers.Concat(response.Content.Headers)
                .Where(h => !h.Key.Equals(DebugTicket.TimelineHeader, StringComparison.OrdinalIgnoreCase))
                .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
            var timeline = response.Headers.TryGetValues(DebugTicket.TimelineHeader, out var values) ? ReadTimeline(values.First()) : null;
            return new DebugAnswer
            {
                Status = (int)response.StatusCode,
                Headers = answerHeaders,
                Body = body.Text,
                BodyTruncated = body.Truncated,
                ErrorCode = answerHeaders.GetValueOrDefault("X-Ca-Error-Code"),
                RequestId = answerHeaders.GetValueOrDefault("X-Ca-Request-Id"),
                TotalMs = Math.Round(total, 2),
                GatewayMs = timeline?.GatewayMs,
                BackendMs = timeline?.BackendMs,
                Steps = timeline?.Steps ?? [],
                Curl = curl,
                Draft = call.Draft is not null && DebugDraft.TryParse(call.Draft, out _, out var digest) ? digest : null,
                Note = timeline is null
                    ? "The frontend did not accept the debug ticket (is Debug:Key the same there?): this call was an ordinary one, charged and counted."
                    : "Debug call: it carried a ticket only the admin host can make (HMAC-SHA256 under Debug:Key over method, path, expiry and any draft, good once), so the frontend took nothing from any quota and counted nothing for billing, monitoring windows or alerts. The curl command below carries no ticket: running it is an ordinary call."
                      + (call.Draft is null ? "" : " This call went to the API's unpublished draft, compiled by the frontend for it alone (the ticket names the draft's digest and is good once); the curl command reaches the version live in the stage, if any."),
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            return new DebugAnswer
            {
                Status = 0,
                Body = $"the frontend at {frontend} could not be reached: {e.Message}",
                TotalMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2),
                Curl = curl,
                Note = "No answer from the frontend.",
            };
        }
    }

    private static async Task<(string Text, bool Truncated)> ReadCappedAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancel);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxBodyChars + 1];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await reader.ReadAsync(buffer.AsMemory(read), cancel);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read > MaxBodyChars ? (new string(buffer, 0, MaxBodyChars), true) : (new string(buffer, 0, read), false);
    }

    private static TimelineHeader? ReadTimeline(string value)
    {
        try
        {
            return JsonSerializer.Deserialize<TimelineHeader>(Convert.FromBase64String(value), JsonSerializerOptions.Web);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    private sealed record TimelineHeader(DebugStepAnswer[] Steps, double GatewayMs, double? BackendMs);
}
