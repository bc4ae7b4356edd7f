namespace Gateway.Catalog;

/// <summary>Media ranges as an API's allowed content types list them, matched the same way by the catalog validator and the frontend.</summary>
public static class MediaRanges
{
    /// <summary>Whether an allowed media range ('text/*', 'application/json') covers a media type.</summary>
    public static bool Matches(string range, string mediaType)
    {
        if (range.EndsWith("/*", StringComparison.Ordinal))
        {
            return mediaType.StartsWith(range[..^1], StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(range, mediaType, StringComparison.OrdinalIgnoreCase);
    }
}
