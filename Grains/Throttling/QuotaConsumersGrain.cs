namespace Gateway.Throttling;

/// <summary>
/// Who used an API most in the current window. Only a view for operators: kept in memory, fed by the
/// quota grains of the subjects, and emptied when a new window starts.
/// </summary>
public sealed class QuotaConsumersGrain(QuotaSettings settings) : Grain, IQuotaConsumersGrain
{
    private readonly Dictionary<(ThrottleLevel, string), (long Used, long Stamp)> _used = [];
    private DateTimeOffset _window;
    private long _lastCall = Environment.TickCount64;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var check = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, settings.Idle.Ticks / 2));
        this.RegisterGrainTimer(static (self, _) => self.LeaveMemoryWhenIdle(), this,
            new GrainTimerCreationOptions { DueTime = check, Period = check, Interleave = true, KeepAlive = false });
        return Task.CompletedTask;
    }

    public Task Update(ThrottleLevel level, string subject, DateTimeOffset windowStart, long used, long stamp)
    {
        _lastCall = Environment.TickCount64;
        if (windowStart > _window)
        {
            _used.Clear();
            _window = windowStart;
        }

        if (windowStart == _window && !(_used.TryGetValue((level, subject), out var held) && held.Stamp > stamp))
        {
            _used[(level, subject)] = (used, stamp);
        }

        return Task.CompletedTask;
    }

    public Task<QuotaConsumer[]> GetTop(int count) => Task.FromResult(_used
        .Where(u => u.Value.Used > 0)
        .OrderByDescending(u => u.Value.Used)
        .ThenBy(u => u.Key.Item2, StringComparer.Ordinal)
        .Take(Math.Clamp(count, 1, 1000))
        .Select(u => new QuotaConsumer { Level = u.Key.Item1, Subject = u.Key.Item2, Used = u.Value.Used, WindowStart = _window })
        .ToArray());

    private Task LeaveMemoryWhenIdle()
    {
        if (Environment.TickCount64 - _lastCall >= (long)settings.Idle.TotalMilliseconds)
        {
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }
}
