using System.Text;
using Gateway.Silo.Catalog;

namespace Gateway.Silo.Admin;

/// <summary>
/// Reads admin request bodies: bounded in size (413 past the limit, checked while reading, so a lying or
/// missing Content-Length cannot make the silo buffer more), then parsed as JSON or, by content type, YAML.
/// </summary>
internal static class AdminBody
{
    public static async Task<(string Text, IResult? TooLarge)> ReadTextAsync(HttpContext http, int maxBytes)
    {
        if (http.Request.ContentLength > maxBytes)
        {
            return ("", TooLarge(maxBytes));
        }

        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var buffer = new char[16 * 1024];
        var text = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer, http.RequestAborted)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > maxBytes)
            {
                return ("", TooLarge(maxBytes));
            }
        }

        return (text.ToString(), null);
    }

    /// <param name="required">When false, an empty body is no error: the value is then null.</param>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext http, int maxBytes, bool required = true)
        where T : class
    {
        var (text, tooLarge) = await ReadTextAsync(http, maxBytes);
        if (tooLarge is not null)
        {
            return (null, tooLarge);
        }

        if (!required && string.IsNullOrWhiteSpace(text))
        {
            return (null, null);
        }

        return CatalogDocumentFormat.TryParse<T>(text, IsYaml(http.Request.ContentType), out var value, out var error)
            ? (value, null)
            : (null, AdminResults.BadRequest(error));
    }

    public static bool IsYaml(string? contentType) => contentType?.Contains("yaml", StringComparison.OrdinalIgnoreCase) == true;

    private static IResult TooLarge(int maxBytes) =>
        AdminResults.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"the body may be at most {maxBytes} bytes");
}
