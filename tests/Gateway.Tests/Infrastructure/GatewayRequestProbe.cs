using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.Frontend.Pipeline;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Sees what the gateway decided about each finished request (its <see cref="GatewayRequest"/>: user id,
/// client address), through ASP.NET Core's own diagnostic events, keyed by X-Ca-Request-Id.
/// </summary>
public sealed class GatewayRequestProbe : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly ConcurrentDictionary<string, GatewayRequest> _seen = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly IDisposable _all;

    public GatewayRequestProbe() => _all = DiagnosticListener.AllListeners.Subscribe(this);

    /// <summary>The request the gateway answered with this X-Ca-Request-Id (waits briefly: the event follows the response).</summary>
    public async Task<GatewayRequest> GetAsync(string requestId)
    {
        for (var i = 0; i < 100; i++)
        {
            if (_seen.TryGetValue(requestId, out var request))
            {
                return request;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no finished request {requestId} was seen");
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == "Microsoft.AspNetCore")
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(this, name => name.StartsWith("Microsoft.AspNetCore.Hosting.HttpRequestIn", StringComparison.Ordinal)));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key.EndsWith(".Stop", StringComparison.Ordinal) && value.Value is HttpContext context
            && context.Features.Get<GatewayRequest>() is { } request)
        {
            _seen[request.RequestId] = request;
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _all.Dispose();
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }
}
