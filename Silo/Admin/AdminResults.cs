using Gateway.Catalog;
using Gateway.Silo.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>
/// How the admin API answers: JSON for success; for failure, RFC 9457 problem+json listing every error, with
/// the gateway's <c>X-Ca-Error-Code</c> header.
/// </summary>
internal static class AdminResults
{
    public const string ErrorCodeHeader = "X-Ca-Error-Code";

    /// <summary>An answer lists at most this many problems (the detail gives the total): nobody reads more, and a huge list is a slow answer.</summary>
    public const int MaxListedErrors = 1000;

    /// <param name="code">The X-Ca-Error-Code; none: one derived from the status.</param>
    /// <param name="accepted">With 415: the media types that are accepted.</param>
    public static IResult Problem(int status, string title, string detail, IEnumerable<CatalogError>? errors = null, string? code = null, string[]? accepted = null)
    {
        var extensions = new Dictionary<string, object?>();
        if (errors is not null)
        {
            var all = errors.ToArray();
            extensions["errors"] = all.Length <= MaxListedErrors ? all : all[..MaxListedErrors];
            if (all.Length > MaxListedErrors)
            {
                detail += $" (the first {MaxListedErrors} are listed)";
            }
        }

        if (accepted is not null)
        {
            extensions["accepted"] = accepted;
        }

        return new WithErrorCode(
            Results.Problem(statusCode: status, title: title, detail: detail, extensions: extensions.Count == 0 ? null : extensions),
            code ?? title.Replace(" ", "", StringComparison.Ordinal));
    }

    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static IResult NotFound(string what) => Problem(StatusCodes.Status404NotFound, "Not found", $"{what} does not exist");

    public static IResult From(CatalogResult result) => result.Failure switch
    {
        CatalogFailure.None => Results.Json(new { revision = result.Revision, version = result.Version, changes = result.Changes }, CatalogDocumentFormat.Json),
        CatalogFailure.NotFound => Problem(StatusCodes.Status404NotFound, "Not found", result.Errors.FirstOrDefault()?.Message ?? "not found", result.Errors),
        CatalogFailure.Forbidden => Problem(StatusCodes.Status403Forbidden, "Forbidden",
            $"{result.Errors.Length} change(s) need a role this token does not have; nothing was changed", result.Errors, "RoleRequired"),
        CatalogFailure.Conflict => Problem(StatusCodes.Status409Conflict, "Conflict",
            $"{result.Errors.Length} problem(s); nothing was changed", result.Errors, "CatalogConflict"),
        CatalogFailure.Unavailable => new RetryAfter(Problem(StatusCodes.Status503ServiceUnavailable, "Unavailable",
            $"{result.Errors.FirstOrDefault()?.Message ?? "a part of the cluster did not answer"}; nothing was changed, retry in a few seconds", result.Errors, "S503LU")),
        _ => Problem(StatusCodes.Status400BadRequest, "The catalog change was refused",
            $"{result.Errors.Length} problem(s); nothing was changed", result.Errors, "CatalogRefused"),
    };

    public static IResult Json<T>(T value) => Results.Json(value, CatalogDocumentFormat.Json);

    /// <summary>Adds <c>Retry-After</c> to a 503, as the answers of a cluster that is away have it.</summary>
    private sealed class RetryAfter(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = ClusterUnavailableHandler.RetryAfterSeconds;
            return inner.ExecuteAsync(httpContext);
        }
    }

    /// <summary>Adds the error code header to a problem answer.</summary>
    private sealed class WithErrorCode(IResult inner, string code) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[ErrorCodeHeader] = code;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
