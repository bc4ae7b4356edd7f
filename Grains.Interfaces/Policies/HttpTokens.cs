namespace Gateway.Policies;

/// <summary>The HTTP grammar the policies' settings are checked against.</summary>
public static class HttpTokens
{
    public static readonly IReadOnlyList<string> KnownMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    /// <summary>An RFC 9110 token of at most 128 characters: what a header name may be.</summary>
    public static bool IsToken(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 128)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A header value: visible ASCII, spaces and tabs, at most 1024 characters.</summary>
    public static bool IsHeaderValue(string text) =>
        text.Length <= 1024 && text.All(c => c is '\t' or (>= ' ' and <= '~'));
}
