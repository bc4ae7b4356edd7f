using Gateway.Catalog;
using Gateway.Frontend.Pipeline;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Frontend.Routing;

/// <summary>
/// The backend path of a PASSTHROUGH call whose path holds a percent escape, built from the segments exactly as the
/// caller encoded them. Kestrel decodes the path before routing, and the decoded path cannot be encoded back to what
/// was sent: it keeps '%2F' as those three characters (an encoded slash must not split a segment), and so an escape
/// that is not UTF-8 ('%FF'), while '%25' becomes '%'. YARP then escapes every '%' it finds, with or without a path
/// transform: 'a%2Fb' would reach the backend as 'a%252Fb', and '%FF' as '%25FF'. A path without an escape is left
/// to YARP, which sends it as it came.
/// </summary>
public sealed class CallerEncodedPath
{
    private readonly int _callerSegments;
    private readonly Part[] _parts;
    private readonly bool _trailingSlash;

    private CallerEncodedPath(int callerSegments, Part[] parts, bool trailingSlash)
    {
        _callerSegments = callerSegments;
        _parts = parts;
        _trailingSlash = trailingSlash;
    }

    /// <summary>A literal segment of the backend template, or the index of the caller's segment that fills it.</summary>
    private readonly record struct Part(string? Literal, int CallerSegment);

    /// <summary>
    /// The mapping from the public template (the group's base path and the API's path) to the backend template. Null
    /// when the backend template names a parameter the public one lacks, which the catalog does not allow.
    /// </summary>
    public static CallerEncodedPath? Compile(string publicPath, string backendPath)
    {
        if (!PathTemplate.TryParse(publicPath, out var from, out _) || !PathTemplate.TryParse(backendPath, out var to, out _))
        {
            return null;
        }

        var positions = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < from.Segments.Count; i++)
        {
            if (from.Segments[i].IsParameter)
            {
                positions[from.Segments[i].Value] = i;
            }
        }

        var parts = new Part[to.Segments.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            var segment = to.Segments[i];
            if (!segment.IsParameter)
            {
                parts[i] = new Part(segment.Value, -1);
            }
            else if (positions.TryGetValue(segment.Value, out var position))
            {
                parts[i] = new Part(null, position);
            }
            else
            {
                return null;
            }
        }

        return new CallerEncodedPath(from.Segments.Count, parts, backendPath.Length > 1 && backendPath.EndsWith('/'));
    }

    /// <summary>
    /// The backend path for the caller's raw path (from its '/', without the query). Null when the caller's segments do
    /// not line up with the route's: Kestrel removed a '.' or '..' segment before routing.
    /// </summary>
    public string? Build(ReadOnlySpan<char> rawPath)
    {
        var body = rawPath[1..];
        Span<Range> segments = stackalloc Range[_callerSegments + 2];
        var count = body.Split(segments, '/');

        // Routing ignores one trailing slash.
        if (count == _callerSegments + 1 && body[segments[count - 1]].IsEmpty)
        {
            count--;
        }

        if (count != _callerSegments)
        {
            return null;
        }

        var length = _trailingSlash || _parts.Length == 0 ? 1 : 0;
        foreach (var part in _parts)
        {
            length += 1 + (part.Literal?.Length ?? body[segments[part.CallerSegment]].Length);
        }

        var path = new char[length];
        var written = 0;
        foreach (var part in _parts)
        {
            path[written++] = '/';
            var text = part.Literal is { } literal ? literal.AsSpan() : body[segments[part.CallerSegment]];
            text.CopyTo(path.AsSpan(written));
            written += text.Length;
        }

        if (written < length)
        {
            path[written] = '/';
        }

        return new string(path);
    }

    /// <summary>
    /// Sets the backend address of a PASSTHROUGH call whose path holds an escape, after the route's path transform and
    /// a routing rule's, and before the backend signature, which signs the address as it is sent.
    /// </summary>
    public static void Apply(RequestTransformContext context)
    {
        var gateway = context.HttpContext.GetGatewayRequest();
        if (gateway.Route is not { Parameters.Mapping: false } api
            || context.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget is not { Length: > 0 } target)
        {
            return;
        }

        var path = RawPath(target);
        if (path.IsEmpty || path.IndexOf('%') < 0)
        {
            return;
        }

        var template = gateway.RoutedRule?.BackendPath is { } rulePath ? Compile(api.PublicPath, rulePath) : api.CallerPath;
        if (template?.Build(path) is { } backendPath)
        {
            context.ProxyRequest.RequestUri = new Uri(
                context.DestinationPrefix.TrimEnd('/') + backendPath + context.Query.QueryString.ToUriComponent(), UriKind.Absolute);
        }
    }

    /// <summary>
    /// The caller's own encoding of a path segment, <paramref name="fromEnd"/> segments before the last (0: the last; a
    /// trailing slash does not count). False when one of those segments is '.' or '..': Kestrel removed it before
    /// routing, so the segments may not line up with the route's.
    /// </summary>
    public static bool TryGetSegmentFromEnd(HttpContext context, int fromEnd, out ReadOnlySpan<char> segment)
    {
        segment = [];
        if (fromEnd < 0 || context.Features.Get<IHttpRequestFeature>()?.RawTarget is not { Length: > 0 } target)
        {
            return false;
        }

        var path = RawPath(target);
        if (path is [.., '/'] && path.Length > 1)
        {
            path = path[..^1];
        }

        for (var i = 0; i <= fromEnd; i++)
        {
            var slash = path.LastIndexOf('/');
            if (slash < 0)
            {
                return false;
            }

            segment = path[(slash + 1)..];
            if (IsDotSegment(segment))
            {
                return false;
            }

            path = path[..slash];
        }

        return true;
    }

    private static bool IsDotSegment(ReadOnlySpan<char> segment) =>
        segment is "." or ".."
        || (segment.Contains('%') && segment.ToString().Replace("%2e", ".", StringComparison.OrdinalIgnoreCase) is "." or "..");

    /// <summary>The path of a request target, in origin form ('/a/b?q') or absolute form ('http://host/a/b?q').</summary>
    private static ReadOnlySpan<char> RawPath(string target)
    {
        var span = target.AsSpan();
        if (span[0] != '/')
        {
            var scheme = span.IndexOf("://", StringComparison.Ordinal);
            var slash = scheme < 0 ? -1 : span[(scheme + 3)..].IndexOf('/');
            if (slash < 0)
            {
                return [];
            }

            span = span[(scheme + 3 + slash)..];
        }

        var query = span.IndexOf('?');
        return query < 0 ? span : span[..query];
    }
}
