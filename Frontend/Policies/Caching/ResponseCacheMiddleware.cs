using Gateway.Frontend.Parameters;
using Gateway.Frontend.Pipeline;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Policies.Caching;

/// <summary>
/// The API's caching policy: a call it may answer is looked up by its key; a hit is answered from memory and never
/// reaches the backend, a miss goes on and the backend's answer is kept when its status and Cache-Control allow.
/// Answers carry <c>X-Ca-Cache: HIT</c>, <c>MISS</c>, or <c>BYPASS</c> for a call the policy never answers from the cache.
/// </summary>
internal sealed class ResponseCacheMiddleware(RequestDelegate next, ResponseCacheStore store, ParameterSettings parameters, TimeProvider time)
{
    public const string Header = "X-Ca-Cache";

    private static readonly Func<object, Task> MarkBypass = static state =>
    {
        ((HttpContext)state).Response.Headers[Header] = "BYPASS";
        return Task.CompletedTask;
    };

    public Task Invoke(HttpContext context)
    {
        var policies = context.GetGatewayRequest().Route?.Policies;
        return policies?.Caching is { } rules ? InvokeInternal(context, rules, policies.CacheScope) : next(context);
    }

    private async Task InvokeInternal(HttpContext context, CachingRules rules, string scope)
    {
        var gateway = context.GetGatewayRequest();
        var request = context.Request;
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        if (!rules.MayAnswer(request, hasBody))
        {
            context.Response.OnStarting(MarkBypass, context);
            await next(context);
            return;
        }

        byte[]? body = null;
        if (hasBody)
        {
            if (await RequestBody.ReadAsync(context, parameters.MaxReadBodyBytes) is not { } read)
            {
                await RequestBody.RefuseAsync(context, RequestBody.Limit(gateway, parameters.MaxReadBodyBytes));
                return;
            }

            body = read.Bytes;
        }

        var key = rules.KeyOf(scope, request, gateway, body);
        var now = time.GetUtcNow();
        if (store.TryGet(key, now, out var hit))
        {
            await AnswerAsync(context, hit, now);
            return;
        }

        // Registered after the earlier steps' callbacks, so it runs before them: it sees the backend's answer before the
        // request id, CORS and header rewrites are added to it, and keeps none of those per-call headers.
        var capture = new Capture(context, rules, key, now);
        context.Response.OnStarting(Capture.Started, capture);
        var original = context.Features.Get<IHttpResponseBodyFeature>()!;
        var tee = new TeeResponseBody(original, capture);
        context.Features.Set<IHttpResponseBodyFeature>(tee);
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(original);
        }

        // An answer without a body has not started yet (it starts once the whole pipeline is done): take it as it stands.
        if (!context.Response.HasStarted)
        {
            capture.Start();
        }

        if (capture.Answer() is { } answer
            && gateway.Error is null
            && context.GetForwarderErrorFeature() is null
            && !gateway.CallerGone(context))
        {
            store.Set(answer);
        }
    }

    private static Task AnswerAsync(HttpContext context, CachedAnswer hit, DateTimeOffset now)
    {
        var response = context.Response;
        response.StatusCode = hit.Status;
        foreach (var (name, values) in hit.Headers)
        {
            response.Headers[name] = values;
        }

        response.Headers.Age = ((long)Math.Max(0, (now - hit.StoredAt).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[Header] = "HIT";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        response.ContentLength = hit.Body.Length;
        return response.Body.WriteAsync(hit.Body, context.RequestAborted).AsTask();
    }

    /// <summary>The backend's answer as it streams to the caller: status and headers as it starts, then its body.</summary>
    private sealed class Capture(HttpContext context, CachingRules rules, string key, DateTimeOffset started)
    {
        /// <summary>Headers that belong to one call, or that the gateway sets on every answer itself.</summary>
        private static readonly HashSet<string> PerCall = new(
            [RequestIds.Header, Header, HeaderNames.Age, HeaderNames.SetCookie, HeaderNames.TransferEncoding, HeaderNames.Connection],
            StringComparer.OrdinalIgnoreCase);

        public static readonly Func<object, Task> Started = static state =>
        {
            var capture = (Capture)state;
            capture.Start();
            return Task.CompletedTask;
        };

        private TimeSpan? _keepFor;
        private int _status;
        private KeyValuePair<string, StringValues>[]? _headers;
        private MemoryStream? _body;

        /// <summary>Whether the body is still being kept: the answer may be cached and has not outgrown the policy's limit.</summary>
        public bool Keeping => _body is not null;

        public void Write(ReadOnlySpan<byte> data)
        {
            if (_body is null)
            {
                return;
            }

            if (_body.Length + data.Length > rules.MaxEntryBytes)
            {
                _body = null;
                return;
            }

            _body.Write(data);
        }

        private bool _started;

        public void Start()
        {
            if (_started)
            {
                return;
            }

            _started = true;
            var response = context.Response;
            response.Headers[Header] = "MISS";
            _keepFor = rules.KeepFor(response);
            if (_keepFor is null || (response.ContentLength is { } length && length > rules.MaxEntryBytes))
            {
                return;
            }

            _status = response.StatusCode;
            _headers = [.. response.Headers.Where(h => !PerCall.Contains(h.Key))];
            _body = new MemoryStream();
        }

        /// <summary>The answer to keep: null when it may not be kept, outgrew the limit, or its body is not whole.</summary>
        public CachedAnswer? Answer()
        {
            if (_body is null || _headers is null || _keepFor is not { } keepFor)
            {
                return null;
            }

            var length = context.Response.ContentLength;
            if (length is { } expected && !HttpMethods.IsHead(context.Request.Method) && expected != _body.Length)
            {
                return null;
            }

            return new CachedAnswer(key, _status, _headers, _body.ToArray(), started, started + keepFor);
        }
    }

    /// <summary>Passes the answer's body on to the caller and copies it into the capture.</summary>
    private sealed class TeeResponseBody(IHttpResponseBodyFeature inner, Capture capture) : Stream, IHttpResponseBodyFeature
    {
        private System.IO.Pipelines.PipeWriter? _writer;

        public Stream Stream => this;

        public System.IO.Pipelines.PipeWriter Writer => _writer ??= System.IO.Pipelines.PipeWriter.Create(this, new System.IO.Pipelines.StreamPipeWriterOptions(leaveOpen: true));

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

        public void DisableBuffering() => inner.DisableBuffering();

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            SendFileFallback.SendFileAsync(this, path, offset, count, cancellationToken);

        public async Task CompleteAsync()
        {
            if (_writer is not null)
            {
                await _writer.FlushAsync();
            }

            await inner.CompleteAsync();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // Starting first runs the OnStarting callbacks, which decide whether the body is kept.
            await inner.StartAsync(cancellationToken);
            capture.Write(buffer.Span);
            await inner.Stream.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.Stream.FlushAsync(cancellationToken);

        public override void Flush() => inner.Stream.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

public static class AppBuilderResponseCacheExtensions
{
    public static IServiceCollection AddApiResponseCache(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(ResponseCacheSettings.From(configuration));
        services.AddSingleton<ResponseCacheStore>();
        return services;
    }

    /// <summary>
    /// Belongs after authentication, grants, parameter checks and throttling, so that a cached answer is only ever given
    /// to a call that passed all of them (and is counted against its limits); right before the endpoints.
    /// </summary>
    public static IApplicationBuilder UseApiResponseCache(this IApplicationBuilder app) => app.UseMiddleware<ResponseCacheMiddleware>();
}
