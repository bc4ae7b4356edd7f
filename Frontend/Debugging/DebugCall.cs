using System.Text.Json;
using Gateway.Catalog;
using Gateway.Frontend.Pipeline;

namespace Gateway.Frontend.Debugging;

/// <summary>
/// A call the admin host's Debug API sent with a valid debug ticket. Present as a request feature only on such
/// calls: the pipeline's steps that treat them differently (throttling, usage counting) look for it, and
/// at the response's start it is written out as the call's timeline.
/// </summary>
public sealed class DebugCall(long started)
{
    /// <summary>When the ticket was accepted (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Started { get; } = started;

    /// <summary>The throttle policy the call was not charged against; null when none is bound to the API.</summary>
    public string? UnchargedPolicy { get; private set; }

    /// <summary>When the proxy step began (mock or backend); null when an earlier step answered.</summary>
    public long? ProxyStarted { get; private set; }

    /// <summary>Whether the API's mock answered rather than its backend.</summary>
    public bool Mocked { get; private set; }

    /// <summary>The unpublished draft this call is for (read from the catalog for it alone); null for a published version.</summary>
    public ApiDefinition? Draft { get; private set; }

    /// <summary>The draft's digest, as the ticket named it.</summary>
    public string? DraftDigest { get; private set; }

    public void ForDraft(ApiDefinition draft, string digest)
    {
        Draft = draft;
        DraftDigest = digest;
    }

    /// <summary>The throttling step let the call through without taking from any quota.</summary>
    public void NotCharged(string policy) => UnchargedPolicy = policy;

    public void EnteredProxy(long timestamp, bool mocked)
    {
        ProxyStarted = timestamp;
        Mocked = mocked;
    }

    public static DebugCall? Of(HttpContext context) => context.Features.Get<DebugCall>();
}

/// <summary>One step of the pipeline as a debug call passed it.</summary>
/// <param name="Step">The step's name, as the console shows it.</param>
/// <param name="Outcome">passed, failed, skipped (not reached) or not charged.</param>
/// <param name="Detail">What the step decided, or the error it answered with.</param>
public sealed record DebugStep(string Step, string Outcome, string? Detail = null);

/// <summary>What a debug call's answer carries in <see cref="Gateway.Debugging.DebugTicket.TimelineHeader"/>.</summary>
public sealed record DebugTimeline(IReadOnlyList<DebugStep> Steps, double GatewayMs, double? BackendMs);

/// <summary>
/// Builds the timeline from what the steps left behind: the gateway error code says which step answered
/// (each code belongs to one step), and the proxy step records that it was reached and when.
/// </summary>
public static class DebugTimelines
{
    public static readonly string[] Steps = ["route", "ip access", "authentication", "grant", "parameters", "throttling", "backend"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The step a gateway error code comes from; null for a code no step of the pipeline writes.</summary>
    public static string? StepOf(string code) => code switch
    {
        "A404NF" or "A400ST" or "S503CL" => "route",
        // A refused CORS preflight is answered right after its route is matched, before any check.
        "A403CO" or "A403CM" => "route",
        "A403IP" or "A400XF" or "A403HS" => "ip access",
        "A403AD" or "A403NG" or "A403GX" => "grant",
        // Refusals of the body (size, type, coding, framing, pace) belong to the step that checks the body, whichever step
        // happened to read it first.
        "A400IP" or "A400PT" or "A413BL" or "A415CT" or "A400BF" or "A408BS" => "parameters",
        "S503TU" => "throttling",
        // Packages are spent right after throttling, in the same sense (how many calls); debug calls use none.
        "A403QE" or "A403QX" or "S503QU" => "throttling",
        // The caller hung up. A debug call's caller is the admin host, which leaves only when its own timeout ends
        // while it waits for the answer, that is, while the backend has the call.
        "A499CA" => "backend",
        _ when code.StartsWith("A429", StringComparison.Ordinal) => "throttling",
        _ when code.StartsWith("A401", StringComparison.Ordinal) || code is "S503NS" or "S503IK" => "authentication",
        _ when code.StartsWith("A400", StringComparison.Ordinal) => "authentication",
        _ when code.StartsWith("D5", StringComparison.Ordinal) => "backend",
        _ => null,
    };

    public static DebugTimeline Build(DebugCall call, GatewayRequest? request, int status, string errorCode, string errorMessage, TimeProvider time)
    {
        var now = time.GetTimestamp();
        var failedAt = errorCode.Length > 0 ? StepOf(errorCode) : null;

        // An app's own IP list is checked right after authentication (the app is known by then): a refusal
        // with an authenticated app comes from that check, not from the API's list before it.
        if (errorCode == "A403IP" && request?.AppId is not null)
        {
            failedAt = "authentication";
        }
        var answeredBy = failedAt ?? (call.ProxyStarted is not null ? "backend" : null);
        var steps = new List<DebugStep>(Steps.Length);
        var reached = true;
        foreach (var step in Steps)
        {
            if (!reached)
            {
                steps.Add(new(step, "skipped"));
                continue;
            }

            if (step == failedAt)
            {
                steps.Add(new(step, "failed", $"{status} {errorCode}: {errorMessage}"));
                reached = false;
                continue;
            }

            if (step == "backend")
            {
                steps.Add(answeredBy == "backend"
                    ? new(call.Mocked ? "mock" : "backend", "passed", $"answered {status}")
                    : new(step, "skipped", $"answered {status} before the proxy step"));
                continue;
            }

            steps.Add(new(step, step == "throttling" && call.UnchargedPolicy is not null ? "not charged" : "passed", Detail(step, call, request)));
        }

        var backendMs = call.ProxyStarted is { } proxy && !call.Mocked ? time.GetElapsedTime(proxy, now).TotalMilliseconds : (double?)null;
        return new(steps, time.GetElapsedTime(call.Started, now).TotalMilliseconds, backendMs);
    }

    public static string ToJson(DebugTimeline timeline) => JsonSerializer.Serialize(timeline, Json);

    private static string? Detail(string step, DebugCall call, GatewayRequest? request) => step switch
    {
        "route" when request?.Api is { } api && call.DraftDigest is { } digest => $"{api.Definition.Id} unpublished draft {digest[..12]} in {api.Stage}",
        "route" when request?.Api is { } api => $"{api.Definition.Id} version {api.Version} in {api.Stage}",
        "authentication" => request?.AppId is { } app ? $"app {app} ({request.AppKey})" : "anonymous",
        "grant" => request?.AppId is null ? "no app: no grant needed" : "granted",
        "throttling" => call.UnchargedPolicy is { } policy
            ? $"policy {policy}: debug calls take nothing from its quotas"
            : "no throttle policy bound",
        _ => null,
    };
}
