using System.Text;
using Gateway.Silo.Catalog;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Silo.Admin;

/// <summary>
/// Reads admin request bodies: bounded in size (413 past the limit, checked while reading, so a lying or
/// missing Content-Length cannot make the silo buffer more), of a declared JSON or YAML type (415 otherwise,
/// naming the accepted types), then parsed strictly (400 listing every problem).
/// </summary>
internal static class AdminBody
{
    /// <summary>The media types an admin body may have.</summary>
    public static readonly string[] AcceptedTypes = ["application/json", "application/yaml"];

    public static async Task<(string Text, IResult? Error)> ReadTextAsync(HttpContext http, int maxBytes)
    {
        if (http.Request.ContentLength > maxBytes)
        {
            return ("", TooLarge(maxBytes));
        }

        var text = new StringBuilder();
        try
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var buffer = new char[16 * 1024];
            int read;
            while ((read = await reader.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                text.Append(buffer, 0, read);
                if (text.Length > maxBytes)
                {
                    return ("", TooLarge(maxBytes));
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            // A malformed body (bad chunk framing, a body cut short) is the client's mistake, not the silo's.
            return ("", AdminResults.Problem(e.StatusCode == StatusCodes.Status413PayloadTooLarge ? e.StatusCode : StatusCodes.Status400BadRequest,
                "Bad request", "the request body is malformed (bad chunked framing or cut short)", code: "BadBody"));
        }

        if (text.Length > 0 && !IsJson(http.Request.ContentType) && !IsYaml(http.Request.ContentType))
        {
            return ("", UnsupportedType(http.Request.ContentType));
        }

        return (text.ToString(), null);
    }

    /// <param name="required">When false, an empty body is no error: the value is then null.</param>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext http, int maxBytes, bool required = true)
        where T : class
    {
        var (text, error) = await ReadTextAsync(http, maxBytes);
        if (error is not null)
        {
            return (null, error);
        }

        if (!required && string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }

        return Parse<T>(text, http.Request.ContentType);
    }

    public static (T? Value, IResult? Error) Parse<T>(string text, string? contentType)
        where T : class =>
        CatalogDocumentFormat.TryRead<T>(text, IsYaml(contentType), out var value, out var errors)
            ? (value, null)
            : (null, AdminResults.Problem(StatusCodes.Status400BadRequest, "Bad request", $"{errors.Count} problem(s) in the body; nothing was changed", errors, "BadDocument"));

    public static bool IsYaml(string? contentType) => MediaType(contentType) is "application/yaml" or "application/x-yaml" or "text/yaml" or "text/x-yaml";

    public static bool IsJson(string? contentType) => MediaType(contentType) is { } type && (type == "application/json" || type.EndsWith("+json", StringComparison.Ordinal));

    private static string? MediaType(string? contentType) =>
        string.IsNullOrWhiteSpace(contentType) ? null : contentType.Split(';')[0].Trim().ToLowerInvariant();

    private static IResult UnsupportedType(string? contentType) =>
        AdminResults.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            (string.IsNullOrWhiteSpace(contentType) ? "the body has no Content-Type" : $"the body's Content-Type '{contentType}' is not accepted")
            + $"; send {string.Join(" or ", AcceptedTypes)}", code: "UnsupportedMediaType", accepted: AcceptedTypes);

    private static IResult TooLarge(int maxBytes) =>
        AdminResults.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"the body may be at most {maxBytes} bytes", code: "TooLarge");
}
