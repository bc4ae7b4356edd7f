using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Catalog;
using Gateway.Frontend.Pipeline;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Frontend.Parameters;

/// <summary>
/// Makes the backend request an API's definition asks for: in MAPPING mode only the defined parameters, each under
/// its backend name and location; in both modes the constants and system parameters. One step of
/// <see cref="BackendRequestTransforms"/>, after the route's path transform and before the backend signature.
/// </summary>
public static class ParameterForwarding
{
    /// <summary>Headers a MAPPING-mode backend still gets although no parameter defines them: content negotiation and tracing.</summary>
    public static readonly IReadOnlySet<string> KeptHeaders = new HashSet<string>(
        ["Host", "Accept", "Accept-Encoding", "Accept-Language", "User-Agent", "traceparent", "tracestate", "baggage", RequestIds.Header],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Adds the caller's headers (with <paramref name="keptOnly"/>, only those a MAPPING backend gets) to a backend
    /// request that YARP copied none into, as YARP's copy adds them. Host is left to YARP's host transform.
    /// </summary>
    private static void AddCallerHeaders(RequestTransformContext context, bool keptOnly)
    {
        var caller = context.HttpContext.Request.Headers;

        // As YARP: a Content-Length beside Transfer-Encoding is never forwarded (RFC 7230 section 3.3.3).
        var chunked = caller.ContainsKey("Transfer-Encoding");
        foreach (var header in caller)
        {
            var name = header.Key;
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase)
                || (keptOnly && !KeptHeaders.Contains(name) && !IsKeptContentHeader(name))
                || (chunked && string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            // YARP's own header adder: content headers go to the content, a value with a line break is dropped.
            RequestTransform.AddHeader(context, name, header.Value);
        }
    }

    /// <summary>The body is the one BackendBody prepared; of the caller's content headers only its type and length remain.</summary>
    private static bool IsKeptContentHeader(string name) =>
        string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase);

    public static void Apply(RequestTransformContext context)
    {
        var values = context.HttpContext.Features.Get<ParameterValues>();
        if (values is null)
        {
            // A MAPPING route has YARP copy no headers, since the mapping adds the ones it keeps; its calls always have
            // checked values (its plan is never trivial). Should one ever come without them, it gets every header as
            // YARP would have copied them.
            if (!context.HeadersCopied)
            {
                AddCallerHeaders(context, keptOnly: false);
            }

            return;
        }

        var plan = values.Plan;
        var request = context.HttpContext.GetGatewayRequest();
        var target = new BackendRequest(context, request);
        try
        {
            Apply(ref target, plan, values, context, request);
        }
        finally
        {
            target.Release();
        }
    }

    private static void Apply(ref BackendRequest target, ParameterPlan plan, ParameterValues values, RequestTransformContext context, GatewayRequest request)
    {
        if (plan.Mapping)
        {
            target.Clear();
            for (var i = 0; i < plan.Parameters.Length; i++)
            {
                var p = plan.Parameters[i].Parameter;
                if (values.Values[i].Count > 0)
                {
                    target.Set(p.BackendLocation ?? p.Location, p.BackendName ?? p.Name, values.Values[i]);
                }
            }
        }

        foreach (var constant in plan.Definition.Constants)
        {
            target.Set(constant.Location, constant.Name, constant.Value);
        }

        foreach (var system in plan.Definition.SystemParameters)
        {
            if (SystemValue(system.Kind, context.HttpContext, request, values) is { } value)
            {
                target.Set(system.Location, system.Name, value);
            }
        }

        if (plan.Mapping)
        {
            target.Finish(plan);
        }
    }

    /// <summary>
    /// The backend request's query as it stands: the one MAPPING mode wrote, the caller's with the constants and system
    /// parameters added (written once here), or the caller's.
    /// </summary>
    public static QueryString QueryOf(RequestTransformContext context, GatewayRequest request) =>
        request.MappedQuery ?? (request.BackendQueryEdited ? BackendQuery.Format(context.Query.Collection) : context.Query.QueryString);

    /// <summary>The value of a system parameter for this call; null when the gateway does not know it (no app on an anonymous API).</summary>
    public static string? SystemValue(SystemParameterKind kind, HttpContext http, GatewayRequest request, ParameterValues values) => kind switch
    {
        SystemParameterKind.ClientIp => request.ClientIp is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : null,
        SystemParameterKind.RequestId => request.RequestId,
        SystemParameterKind.AppId => request.AppId,
        SystemParameterKind.AppKey => request.AppKey,
        SystemParameterKind.UserId => request.UserId,
        SystemParameterKind.ApiName => request.Api?.Definition.Name,
        SystemParameterKind.Stage => request.Api?.Stage,
        SystemParameterKind.Domain => http.Request.Host.Host,
        SystemParameterKind.RequestTime => values.ReceivedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Header values must be visible ASCII; anything else is sent percent-encoded as UTF-8.</summary>
    public static string ToHeaderValue(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return Uri.EscapeDataString(value);
            }
        }

        return value;
    }

    /// <summary>A request without a query, to start a MAPPING-mode backend query from (its features are read, never written).</summary>
    private static readonly DefaultHttpContext NoQuery = NoQueryContext();

    private static DefaultHttpContext NoQueryContext()
    {
        var context = new DefaultHttpContext();
        _ = context.Request.Query; // parsed here, once, so that concurrent readers only read it
        return context;
    }

    /// <summary>The outgoing request being edited, with the MAPPING-mode path, query and form collected until <see cref="Finish"/>.</summary>
    /// <remarks>A struct on the transform's stack, with its arrays from the pool: it lives for one call of <see cref="Apply(RequestTransformContext)"/>.</remarks>
    private struct BackendRequest(RequestTransformContext context, GatewayRequest gateway)
    {
        /// <summary>MAPPING mode's path values by name, few: a small array, searched in order.</summary>
        private (string Name, string Value)[]? _path;
        private int _pathCount;

        /// <summary>
        /// MAPPING mode's query, in the order names were first set, a name set again keeping its place and first spelling
        /// (as the case-insensitive collection of YARP's query context did): a small array rather than a dictionary.
        /// </summary>
        private (string Name, StringValues Values)[]? _query;
        private int _queryCount;

        private bool _mapping;

        /// <summary>MAPPING mode: nothing of the caller's request passes unless a parameter says so.</summary>
        public void Clear()
        {
            // The backend's query starts empty; YARP's query context never holds it (see Finish), and is left without
            // the caller's query so that nothing can read that as the backend's.
            _mapping = true;
            context.Query = new QueryTransformContext(NoQuery.Request);
            if (!context.HeadersCopied)
            {
                AddKeptHeaders();
                return;
            }

            // A route whose transforms left YARP's copy on (ProxyConfigBuilder builds none for MAPPING): the same set,
            // by removing what YARP copied.
            var headers = context.ProxyRequest.Headers;
            RemoveAll(headers, static name => !KeptHeaders.Contains(name));

            // The body is the one BackendBody prepared; of the caller's content headers only its type and length remain.
            if (context.ProxyRequest.Content is { } content)
            {
                RemoveAll(content.Headers, static name => !IsKeptContentHeader(name));
            }
        }

        /// <summary>
        /// A MAPPING route's backend request starts without the caller's headers (YARP's copy is off for it, see
        /// <see cref="Routing.ProxyConfigBuilder"/>): the kept ones are added, as YARP's copy would have added them,
        /// rather than copied with all the others and then removed.
        /// </summary>
        private readonly void AddKeptHeaders() => AddCallerHeaders(context, keptOnly: true);


        /// <summary>Removes the headers <paramref name="drop"/> names, collected first (a collection cannot change while read) in a pooled array.</summary>
        private static void RemoveAll(HttpHeaders headers, Func<string, bool> drop)
        {
            var names = headers.NonValidated;
            if (names.Count == 0)
            {
                return;
            }

            var dropped = ArrayPool<string>.Shared.Rent(names.Count);
            var count = 0;
            foreach (var header in names)
            {
                if (drop(header.Key))
                {
                    dropped[count++] = header.Key;
                }
            }

            for (var i = 0; i < count; i++)
            {
                headers.Remove(dropped[i]);
            }

            ArrayPool<string>.Shared.Return(dropped, clearArray: true);
        }

        public void Set(ParameterLocation location, string name, StringValues values)
        {
            switch (location)
            {
                case ParameterLocation.Path:
                    SetPath(name, values.ToString());
                    break;
                case ParameterLocation.Query when _mapping:
                    SetQuery(name, values);
                    break;
                case ParameterLocation.Query:
                    context.Query.Collection[name] = values;
                    gateway.BackendQueryEdited = true;
                    break;
                case ParameterLocation.Header:
                    SetHeader(name, values);
                    break;
                case ParameterLocation.Form:
                    // YARP streams the body from HttpContext.Request: BackendBody built it before the proxy step.
                    break;
            }
        }

        private void SetPath(string name, string value)
        {
            for (var i = 0; i < _pathCount; i++)
            {
                if (string.Equals(_path![i].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    _path[i].Value = value;
                    return;
                }
            }

            _path ??= ArrayPool<(string, string)>.Shared.Rent(4);
            if (_pathCount == _path.Length)
            {
                Grow(ref _path);
            }

            _path[_pathCount++] = (name, value);
        }

        private void SetQuery(string name, StringValues values)
        {
            for (var i = 0; i < _queryCount; i++)
            {
                if (string.Equals(_query![i].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    _query[i].Values = values;
                    return;
                }
            }

            _query ??= ArrayPool<(string, StringValues)>.Shared.Rent(8);
            if (_queryCount == _query.Length)
            {
                Grow(ref _query);
            }

            _query[_queryCount++] = (name, values);
        }

        private static void Grow<T>(ref T[] array)
        {
            var larger = ArrayPool<T>.Shared.Rent(array.Length * 2);
            array.CopyTo(larger, 0);
            ArrayPool<T>.Shared.Return(array, clearArray: true);
            array = larger;
        }

        /// <summary>Gives the arrays back to the pool, cleared (they hold the call's values).</summary>
        public void Release()
        {
            if (_path is not null)
            {
                ArrayPool<(string, string)>.Shared.Return(_path, clearArray: true);
                _path = null;
            }

            if (_query is not null)
            {
                ArrayPool<(string, StringValues)>.Shared.Return(_query, clearArray: true);
                _query = null;
            }
        }

        private string? PathValue(string name)
        {
            for (var i = 0; i < _pathCount; i++)
            {
                if (string.Equals(_path![i].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return _path[i].Value;
                }
            }

            return null;
        }

        private void SetHeader(string name, StringValues values)
        {
            var request = context.ProxyRequest;
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = ToHeaderValue(values.ToString());
                return;
            }

            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
            if (values.Count == 1)
            {
                // The usual single value, without an array.
                var value = ToHeaderValue(values[0] ?? "");
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, value);
                }

                return;
            }

            var encoded = values.Select(v => ToHeaderValue(v ?? "")).ToArray();
            if (!request.Headers.TryAddWithoutValidation(name, encoded))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, encoded);
            }
        }

        public void Finish(ParameterPlan plan)
        {
            var template = plan.BackendPath!;
            var segments = template.Segments;

            // Written in a pooled buffer: the path string is the only allocation.
            var length = 1;
            for (var i = 0; i < segments.Count; i++)
            {
                length += 1 + (segments[i].IsParameter ? (PathValue(segments[i].Value) ?? "").Length : segments[i].Value.Length);
            }

            var buffer = ArrayPool<char>.Shared.Rent(length);
            var written = 0;
            var slash = false;
            for (var i = 0; i < segments.Count; i++)
            {
                buffer[written++] = '/';
                var text = segments[i].IsParameter ? PathValue(segments[i].Value) ?? "" : segments[i].Value;
                slash |= segments[i].IsParameter && text.Contains('/');
                text.CopyTo(buffer.AsSpan(written));
                written += text.Length;
            }

            if (written == 0 || template.Text.EndsWith('/'))
            {
                buffer[written++] = '/';
            }

            var path = new string(buffer, 0, written);
            ArrayPool<char>.Shared.Return(buffer);
            context.Path = new PathString(path);
            var query = BackendQuery.Format(_query.AsSpan(0, _queryCount));
            gateway.MappedQuery = query;

            // The whole address, set once here as YARP would have built it after the transforms: nothing after the mapping
            // changes a MAPPING call's path or query (a routing rule's backend path is refused for such an API).
            if (!slash)
            {
                context.ProxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(context.DestinationPrefix, context.Path, query);
                return;
            }

            // A '/' inside a value must stay inside its segment (%2F); YARP would send it as a separator.
            var parts = new string[segments.Count];
            for (var i = 0; i < segments.Count; i++)
            {
                parts[i] = segments[i].IsParameter ? Uri.EscapeDataString(PathValue(segments[i].Value) ?? "") : segments[i].Value;
            }

            var encoded = string.Join('/', parts);
            context.ProxyRequest.RequestUri = new Uri(
                context.DestinationPrefix.TrimEnd('/') + "/" + encoded + (template.Text.EndsWith('/') ? "/" : "") + query.ToUriComponent());
        }
    }
}
