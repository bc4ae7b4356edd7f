using Gateway.Catalog;
using Gateway.Silo.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>How the admin API answers: JSON for success, RFC 9457 problem+json listing every error for failure.</summary>
internal static class AdminResults
{
    public static IResult Problem(int status, string title, string detail, IEnumerable<CatalogError>? errors = null)
    {
        var extensions = errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors.ToArray() };
        return Results.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);
    }

    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static IResult NotFound(string what) => Problem(StatusCodes.Status404NotFound, "Not found", $"{what} does not exist");

    public static IResult From(CatalogResult result) => result.Failure switch
    {
        CatalogFailure.None => Results.Json(new { revision = result.Revision, version = result.Version }, CatalogDocumentFormat.Json),
        CatalogFailure.NotFound => Problem(StatusCodes.Status404NotFound, "Not found", result.Errors.FirstOrDefault()?.Message ?? "not found", result.Errors),
        _ => Problem(StatusCodes.Status400BadRequest, "The catalog change was refused",
            $"{result.Errors.Length} problem(s); nothing was changed", result.Errors),
    };

    public static IResult Json<T>(T value) => Results.Json(value, CatalogDocumentFormat.Json);
}
