using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gateway.Frontend.Monitoring;
using Gateway.Policies.CircuitBreaking;

namespace Gateway.Frontend.Policies.CircuitBreaking;

/// <summary>
/// This frontend's breakers, one per policy and backend, kept across catalog revisions (a change elsewhere in the
/// catalog does not close an open breaker); one whose policy settings changed starts again closed. Their states are
/// the instrument <c>gateway.circuit.state</c> (0 closed, 1 half-open, 2 open) tagged by backend and policy.
/// </summary>
public sealed partial class CircuitBreakers
{
    private readonly ConcurrentDictionary<(string Policy, string Backend), CircuitBreaker> _breakers = new();
    private readonly Counter<long> _rejected;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _changed = new(0, 1);

    private readonly ILogger<CircuitBreakers> _logger;

    public CircuitBreakers(IMeterFactory meters, TimeProvider time, ILogger<CircuitBreakers> logger)
    {
        _logger = logger;
        _time = time;
        var meter = meters.Create(GatewayMetrics.MeterName);
        meter.CreateObservableGauge("gateway.circuit.state", Observe, "{state}", "Circuit breaker state per backend: 0 closed, 1 half-open, 2 open");
        _rejected = meter.CreateCounter<long>("gateway.circuit.rejected", "{request}", "Calls answered 503 D503CB because the backend's breaker was open");
    }

    public CircuitBreaker For(CircuitBreakerPolicy policy, string backend)
    {
        var key = (policy.Name, backend);
        var breaker = _breakers.GetOrAdd(key, static (k, state) => new CircuitBreaker(k.Policy, k.Backend, state.policy.Settings, state.self.Changed), (policy, self: this));
        if (breaker.Settings != policy.Settings)
        {
            var fresh = new CircuitBreaker(policy.Name, backend, policy.Settings, Changed);
            breaker = _breakers.TryUpdate(key, fresh, breaker) ? fresh : _breakers[key];
        }

        return breaker;
    }

    public void Rejected(string backend) => _rejected.Add(1, new KeyValuePair<string, object?>("backend", backend));

    /// <summary>Logs the change and wakes the reporter.</summary>
    private void Changed(CircuitBreaker breaker, CircuitState state)
    {
        LogStateChanged(breaker.Policy, breaker.Backend, state);
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>Waits until a breaker changes state or <paramref name="timeout"/> passes on the gateway's clock.</summary>
    public async Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(timeout, _time, stop.Token);
        var changed = _changed.WaitAsync(stop.Token);
        await Task.WhenAny(timer, changed);
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(timer, changed);
        }
        catch (OperationCanceledException)
        {
            // The one that did not finish first.
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    public CircuitBreakerStatus[] Statuses()
    {
        var now = _time.GetUtcNow();
        return [.. _breakers.Values.Select(b => b.Status(now)).OrderBy(s => s.Backend, StringComparer.Ordinal).ThenBy(s => s.Policy, StringComparer.Ordinal)];
    }

    [LoggerMessage(EventId = LogEvents.CircuitChanged, Level = LogLevel.Warning, Message = "Circuit breaker {Policy} of backend {Backend} is now {State}")]
    private partial void LogStateChanged(string policy, string backend, CircuitState state);

    private IEnumerable<Measurement<int>> Observe() => _breakers.Values.Select(b =>
        new Measurement<int>((int)b.State, new KeyValuePair<string, object?>("backend", b.Backend), new KeyValuePair<string, object?>("policy", b.Policy)));
}

/// <summary>A circuit breaking policy as an API's compiled policies carry it.</summary>
public sealed record CircuitBreakerPolicy(string Name, CircuitBreakerSettings Settings);
