using Gateway.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>Body of a debug call: which API to call in which stage, as which app, with which parameters.</summary>
public sealed record DebugRequest
{
    /// <summary>Required. The API's id.</summary>
    public string Api { get; init; } = "";

    /// <summary>Optional. RELEASE, PRE or TEST (default TEST).</summary>
    public string? Stage { get; init; }

    /// <summary>Optional. Call the API's unpublished draft (as if published in the stage) instead of the version live there.</summary>
    public bool Draft { get; init; }

    /// <summary>Optional. The app to sign as, with its newest key (the secret never leaves the server); none: anonymous.</summary>
    public string? App { get; init; }

    /// <summary>Optional. The HTTP method; default the API's first.</summary>
    public string? Method { get; init; }

    /// <summary>Optional. Values of the path template's parameters.</summary>
    public Dictionary<string, string> Path { get; init; } = [];

    /// <summary>Optional. Query parameters.</summary>
    public Dictionary<string, string> Query { get; init; } = [];

    /// <summary>Optional. Request headers (X-Ca-* headers are the server's to set).</summary>
    public Dictionary<string, string> Headers { get; init; } = [];

    /// <summary>Optional. The request body (text).</summary>
    public string? Body { get; init; }

    /// <summary>Optional. The body's content type (default application/json when there is a body).</summary>
    public string? ContentType { get; init; }
}

/// <summary>A debug call ready to send.</summary>
/// <param name="Draft">The <see cref="Gateway.Debugging.DebugDraft.Header"/> value when the call is for the unpublished draft.</param>
internal sealed record DebugCallPlan(
    string Api, string Stage, string Method, string? Host, string Path, string Query,
    Dictionary<string, string> Headers, string? Body, string? ContentType, AppKey? Signer, string? Draft = null);

/// <summary>One pipeline step of a debug call, as the frontend reported it.</summary>
public sealed record DebugStepAnswer(string Step, string Outcome, string? Detail);

/// <summary>What <c>POST /v1/debug</c> answers.</summary>
public sealed record DebugAnswer
{
    /// <summary>The frontend's status; 0 when it could not be reached.</summary>
    public int Status { get; init; }

    public Dictionary<string, string> Headers { get; init; } = [];

    /// <summary>The body as text, cut at <see cref="DebugApi.MaxBodyChars"/> characters.</summary>
    public string Body { get; init; } = "";

    public bool BodyTruncated { get; init; }

    public string? ErrorCode { get; init; }

    public string? RequestId { get; init; }

    /// <summary>From sending the call to the end of the answer, as the admin host measured it.</summary>
    public double TotalMs { get; init; }

    /// <summary>From the frontend accepting the call to its answer's start.</summary>
    public double? GatewayMs { get; init; }

    /// <summary>From the proxy step to the backend's answer's start; null when no backend was called.</summary>
    public double? BackendMs { get; init; }

    public DebugStepAnswer[] Steps { get; init; } = [];

    /// <summary>A command that repeats the call, signature included (valid for the 15 minutes the timestamp is).</summary>
    public string Curl { get; init; } = "";

    /// <summary>How the call was kept out of quotas and billing.</summary>
    public string Note { get; init; } = "";

    /// <summary>The digest of the unpublished draft the call went to; null for the version live in the stage.</summary>
    public string? Draft { get; init; }
}
