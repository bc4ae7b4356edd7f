using System.IO.Pipelines;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Frontend.Monitoring;

/// <summary>Counts the bytes read from a request body.</summary>
/// <remarks>
/// Reads that complete at once (the usual case: the bytes are already in Kestrel's buffers) are counted without
/// an async state machine; this wrapper is on every request with a body.
/// </remarks>
internal sealed class CountingReadStream(Stream inner, GatewayRequest? request) : Stream
{
    public long Count { get; private set; }

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return Counted(inner.Read(buffer, offset, count));
        }
        catch (Exception e) when (Failed(e))
        {
            throw;
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValueTask<int> read;
        try
        {
            read = inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (Failed(e))
        {
            throw;
        }

        return read.IsCompletedSuccessfully ? new(Counted(read.Result)) : Awaited(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask<int> Awaited(ValueTask<int> read)
    {
        try
        {
            return Counted(await read);
        }
        catch (Exception e) when (Failed(e))
        {
            throw;
        }
    }

    /// <summary>
    /// Notes that the caller's body broke off (never catches): Kestrel throws when the connection closes or resets
    /// mid-body. Its refusals of a body the caller is still sending (too large, badly framed, too slow) are answered
    /// (<see cref="CallerBodyRefusal"/>), not the caller leaving.
    /// </summary>
    private bool Failed(Exception e)
    {
        if (request is not null && CallerBodyRefusal.For(e) is null)
        {
            request.CallerLeft = true;
        }

        return false;
    }

    private int Counted(int read)
    {
        Count += read;
        return read;
    }
}

/// <summary>
/// Stands in for the server's response body feature and counts the bytes of the body, written through its
/// stream (YARP's copy) or its pipe writer (the gateway's own answers); everything else passes through to the
/// server's feature, so Kestrel keeps its own buffering, flushing and completion.
/// </summary>
internal sealed class CountingResponseBody(IHttpResponseBodyFeature inner) : Stream, IHttpResponseBodyFeature
{
    private readonly Stream _stream = inner.Stream;
    private CountingPipeWriter? _writer;
    private long _written;

    /// <summary>Bytes written so far, whichever way.</summary>
    public long Count => _written + (_writer?.Count ?? 0);

    /// <summary>The server's feature, put back when the request is done.</summary>
    public IHttpResponseBodyFeature Inner => inner;

    Stream IHttpResponseBodyFeature.Stream => this;

    PipeWriter IHttpResponseBodyFeature.Writer => _writer ??= new CountingPipeWriter(inner.Writer);

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    // Through this stream, so that a file's bytes are counted too.
    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(this, path, offset, count, cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        _stream.Write(buffer, offset, count);
        _written += count;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Counted once written: a write that fails (the client went away) sent nothing.
        var write = _stream.WriteAsync(buffer, cancellationToken);
        if (write.IsCompletedSuccessfully)
        {
            _written += buffer.Length;
            return default;
        }

        return Awaited(write, buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _stream.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _stream.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private async ValueTask Awaited(ValueTask write, int length)
    {
        await write;
        _written += length;
    }

    /// <summary>Counts what is advanced or written through the server's pipe writer.</summary>
    private sealed class CountingPipeWriter(PipeWriter inner) : PipeWriter
    {
        public long Count { get; private set; }

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;
        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            Count += bytes;
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);
        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
        public override void CancelPendingFlush() => inner.CancelPendingFlush();
        public override void Complete(Exception? exception = null) => inner.Complete(exception);
        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            Count += source.Length;
            return inner.WriteAsync(source, cancellationToken);
        }
    }
}
