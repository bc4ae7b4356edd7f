using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Throttling;

/// <summary>
/// One quota counter. Budget leaves it only through <see cref="Acquire"/>, which grants at most what the
/// window has left and stores the new total before answering: whatever happens to frontends or silos,
/// the calls admitted in a window never exceed the limit, and a reactivated counter continues where the
/// stored one left off instead of starting the window over.
/// </summary>
public sealed partial class QuotaGrain : Grain, IQuotaGrain
{
    private readonly IPersistentState<QuotaGrainState> _state;
    private readonly TimeProvider _time;
    private readonly QuotaSettings _settings;
    private readonly ILogger<QuotaGrain> _logger;
    private QuotaKey _key;
    private bool _hasKey;
    private bool _isPackage;
    private IGrainTimer? _announcer;
    private long _lastCall;

    public QuotaGrain(
        [PersistentState("quota", StorageNames.Quota)] IPersistentState<QuotaGrainState> state,
        [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
        QuotaSettings settings,
        ILogger<QuotaGrain> logger)
    {
        _state = state;
        _time = time;
        _settings = settings;
        _logger = logger;
    }

    private QuotaGrainState State => _state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _hasKey = GrainKeys.TryParseQuota(this.GetPrimaryKeyString(), out _key);
        _isPackage = GrainKeys.IsPackage(this.GetPrimaryKeyString());
        _lastCall = Environment.TickCount64;

        // Thousands of caller IPs make thousands of counters: each leaves memory soon after its last call.
        var check = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, _settings.Idle.Ticks / 2));
        this.RegisterGrainTimer(static (self, _) => self.LeaveMemoryWhenIdle(), this,
            new GrainTimerCreationOptions { DueTime = check, Period = check, Interleave = true, KeepAlive = false });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A window that is over holds nothing worth keeping: forget it, so that a million callers seen once
        // do not stay in storage. A window still running stays stored for the next activation.
        // A fixed window (a package) stays: what was used of it is part of its balance.
        if (_state.RecordExists && !State.Fixed && _time.GetUtcNow() >= State.WindowEnd)
        {
            try
            {
                await _state.ClearStateAsync();
            }
            catch (Exception e)
            {
                LogStoreFailed(e, this.GetPrimaryKeyString());
            }
        }
    }

    public async Task<QuotaGrant> Acquire(QuotaRequest request)
    {
        Touch();
        var spec = Checked(request.Spec);
        var now = _time.GetUtcNow();
        var rolled = Roll(now, spec);
        var share = ShareOf(request.Frontend);
        if (request.Epoch == State.Epoch)
        {
            ApplyReport(share, request.Epoch, request.Consumed);
        }

        State.Limit = spec.Limit;
        var returned = TakeBackAbandoned(share, request);

        var frontends = FrontendCount;
        var mode = ModeFor(spec.Limit, frontends, out var leaseSize);

        // Only a fixed window can be ahead of its start or over (a package not yet valid, or expired).
        var remaining = now < State.WindowStart || now >= State.WindowEnd ? 0 : Math.Max(0, spec.Limit - State.Granted);

        // A call waiting for its own admission gets one token, whatever the mode: many such calls at once (a
        // frontend whose refill is late) would otherwise stack up leases beyond its share. A request its frontend
        // already gave up on gets nothing: no one would spend it.
        var abandoned = share.AbandonedAhead.Remove(request.Sequence);
        var grant = abandoned ? 0 : Math.Min(mode == QuotaMode.Lease && request.Prefetch ? LeaseTopUp(share, leaseSize) : 1, remaining);

        if (grant > 0 || rolled || returned > 0)
        {
            State.Granted += grant;
            share.Granted += grant;
            if (mode == QuotaMode.PerRequest)
            {
                // A call granted one at a time is admitted at once.
                share.Used += grant;
            }

            Remember(share, request.Sequence, grant);
            try
            {
                await _state.WriteStateAsync();
            }
            catch (Exception e)
            {
                // Not stored means not granted: a reactivation must never hand the same budget out again. (What
                // was taken back stays taken back: that only ever errs toward under-admission.)
                State.Granted -= grant;
                share.Granted -= grant;
                share.Used -= mode == QuotaMode.PerRequest ? grant : 0;
                share.RecentGrants.Remove(request.Sequence);
                LogStoreFailed(e, this.GetPrimaryKeyString());
                throw;
            }
        }

        PublishUse();
        ScheduleAnnouncement();
        return new QuotaGrant
        {
            Granted = grant,
            Epoch = State.Epoch,
            WindowStart = State.WindowStart,
            WindowEnd = State.WindowEnd,
            Now = now,
            Limit = spec.Limit,
            Remaining = remaining - grant,
            Mode = mode,
            Frontends = frontends,
        };
    }

    public async Task Release(string frontend, long epoch, long tokens)
    {
        Touch();
        if (epoch != State.Epoch || tokens <= 0 || !State.Frontends.TryGetValue(frontend ?? "", out var share))
        {
            return;
        }

        // Only what this frontend was granted and has not used can come back: counters never go negative.
        var back = Math.Min(tokens, Math.Min(share.Granted, State.Granted));
        if (back <= 0)
        {
            return;
        }

        share.Granted -= back;
        share.Used = Math.Min(share.Used, share.Granted);
        State.Granted -= back;
        try
        {
            await _state.WriteStateAsync();
        }
        catch (Exception e)
        {
            // Keeping the budget counted as granted is the safe side: it only costs under-admission.
            share.Granted += back;
            State.Granted += back;
            LogStoreFailed(e, this.GetPrimaryKeyString());
        }

        PublishUse();
    }

    public Task Report(string frontend, long epoch, long consumed)
    {
        Touch();
        if (epoch == State.Epoch && State.Frontends.TryGetValue(frontend ?? "", out var share))
        {
            ApplyReport(share, epoch, consumed);
            PublishUse();
            ScheduleAnnouncement();
        }

        return Task.CompletedTask;
    }

    public Task<QuotaState> GetState(QuotaSpec spec)
    {
        spec = Checked(spec);
        var now = _time.GetUtcNow();
        if (spec.IsFixed && State.WindowEnd != spec.Until)
        {
            // A fixed window nothing was granted from yet.
            return Task.FromResult(new QuotaState
            {
                Limit = spec.Limit, Unit = spec.Unit, WindowStart = spec.From!.Value, WindowEnd = spec.Until!.Value,
                Remaining = spec.Limit, Mode = ModeFor(spec.Limit, 1, out _), Epoch = EpochOf(spec.From!.Value),
            });
        }

        if (!spec.IsFixed && now >= State.WindowEnd)
        {
            // The stored window is over: the live view is the fresh window, without touching the state.
            var window = ThrottleWindow.Of(now, spec.Unit, ThrottleWindow.ZoneOrUtc(spec.TimeZone));
            var mode = ModeFor(spec.Limit, Math.Max(1, State.Frontends.Count), out _);
            return Task.FromResult(new QuotaState
            {
                Limit = spec.Limit, Unit = spec.Unit, WindowStart = window.Start, WindowEnd = window.End,
                Remaining = spec.Limit, Mode = mode, Epoch = EpochOf(window.Start),
            });
        }

        return Task.FromResult(Snapshot(spec));
    }

    public async Task<QuotaState> Reset(QuotaSpec spec)
    {
        Touch();
        spec = Checked(spec);
        var now = _time.GetUtcNow();
        Roll(now, spec);
        var before = State.Granted;
        State.Granted = 0;
        State.Frontends.Clear();
        State.Epoch = Math.Min(State.Epoch + 1, EpochOf(State.WindowStart) + MaxResetsPerWindow);
        await _state.WriteStateAsync();
        LogReset(this.GetPrimaryKeyString(), before);
        PublishUse();
        return Snapshot(spec);
    }

    /// <summary>Starts a new window when the stored one is over. A clock behind the stored window never rolls it back.</summary>
    private bool Roll(DateTimeOffset now, QuotaSpec spec)
    {
        if (spec.IsFixed)
        {
            if (State.Fixed && State.WindowStart == spec.From && State.WindowEnd == spec.Until)
            {
                return false;
            }

            // A fixed window never starts over: when its owner moves its bounds (a package's expiry changed), what
            // was granted of it stays granted, under the same epoch, so the leases out stay valid.
            if (!State.Fixed)
            {
                State.Granted = 0;
                State.Frontends.Clear();
                State.Epoch = EpochOf(spec.From!.Value);
            }

            State.Fixed = true;
            State.WindowStart = spec.From!.Value;
            State.WindowEnd = spec.Until!.Value;
            return true;
        }

        if (now < State.WindowEnd)
        {
            return false;
        }

        var window = ThrottleWindow.Of(now, spec.Unit, ThrottleWindow.ZoneOrUtc(spec.TimeZone));
        State.PreviousFrontends = State.Frontends.Count;
        State.WindowStart = window.Start;
        State.WindowEnd = window.End;
        State.Granted = 0;
        State.Frontends.Clear();
        State.Epoch = EpochOf(window.Start);
        return true;
    }

    private const long MaxResetsPerWindow = 999;

    /// <summary>
    /// Epochs come from the window's start (and resets within it), not from a stored counter: a counter
    /// forgotten after its window and started afresh still never reuses an epoch a frontend has seen.
    /// </summary>
    private static long EpochOf(DateTimeOffset windowStart) => windowStart.ToUnixTimeSeconds() * (MaxResetsPerWindow + 1);

    /// <summary>
    /// Each frontend may hold LeaseShare/N of the limit: all leases together then hold at most LeaseShare of
    /// it, which bounds what unused leases can cost. Below the minimum lease, every call asks the grain.
    /// </summary>
    private QuotaMode ModeFor(long limit, int frontends, out long leaseSize)
    {
        leaseSize = (long)Math.Floor(limit * _settings.LeaseShare / frontends);
        return leaseSize >= Math.Max(2, _settings.MinLease) ? QuotaMode.Lease : QuotaMode.PerRequest;
    }

    /// <summary>
    /// A frontend holds at most one lease: its refill (asked when half of it is spent) tops what it holds up to
    /// the lease size. So all frontends together hold at most LeaseShare of the limit, and that is all unused
    /// leases can cost at the end of a window. Never less than half a lease, so that tokens lost on the way (an
    /// answer that timed out) cannot leave a frontend asking for nothing.
    /// </summary>
    private static long LeaseTopUp(FrontendShare share, long leaseSize)
    {
        var held = Math.Max(0, share.Granted - share.Used);
        return Math.Max((leaseSize + 1) / 2, leaseSize - held);
    }

    /// <summary>How many of a frontend's latest grants are kept, so that an abandoned one can be taken back.</summary>
    private const int RecentGrantsKept = 16;

    /// <summary>
    /// Takes back into the window's budget what requests the frontend abandoned were granted: their answers never
    /// reached it (the call timed out, e.g. while storage stalled), so without this they would stay counted
    /// against it as leases it holds, and the window would end under-admitted. The frontend never spends an
    /// abandoned answer, so this cannot over-admit.
    /// </summary>
    private long TakeBackAbandoned(FrontendShare share, QuotaRequest request)
    {
        long returned = 0;
        foreach (var sequence in request.Abandoned ?? [])
        {
            if (share.RecentGrants.Remove(sequence, out var granted))
            {
                var back = Math.Min(granted, Math.Min(share.Granted, State.Granted));
                share.Granted -= back;
                State.Granted -= back;
                returned += back;
            }
            else if (sequence > share.LastSequence)
            {
                share.AbandonedAhead.Add(sequence);
            }
        }

        share.Used = Math.Min(share.Used, share.Granted);

        // Anything older than this request that has still not arrived is not waited for.
        share.AbandonedAhead.RemoveWhere(s => s < request.Sequence);
        return returned;
    }

    private static void Remember(FrontendShare share, long sequence, long granted)
    {
        if (sequence <= 0)
        {
            return;
        }

        share.LastSequence = Math.Max(share.LastSequence, sequence);
        if (granted > 0)
        {
            share.RecentGrants[sequence] = granted;
            while (share.RecentGrants.Count > RecentGrantsKept)
            {
                share.RecentGrants.Remove(share.RecentGrants.Keys.Min());
            }
        }
    }

    private static void ApplyReport(FrontendShare share, long epoch, long consumed)
    {
        // Reports are totals, so a lost or repeated one does no harm; a frontend cannot use more than it got.
        if (epoch != 0 && consumed > share.Used)
        {
            share.Used = Math.Min(consumed, share.Granted);
        }
    }

    private FrontendShare ShareOf(string frontend)
    {
        frontend = string.IsNullOrEmpty(frontend) ? "?" : frontend;
        if (!State.Frontends.TryGetValue(frontend, out var share))
        {
            State.Frontends[frontend] = share = new FrontendShare();
        }

        return share;
    }

    /// <summary>
    /// The frontends sharing this window's budget: those that took budget in it, or as many as took it in the window
    /// before if that is more (they are likely to come back).
    /// </summary>
    private int FrontendCount => Math.Max(1, Math.Max(State.Frontends.Count, State.PreviousFrontends));

    private QuotaState Snapshot(QuotaSpec spec)
    {
        var frontends = FrontendCount;
        return new QuotaState
        {
            Limit = spec.Limit,
            Unit = spec.Unit,
            WindowStart = State.WindowStart,
            WindowEnd = State.WindowEnd,
            Used = State.Frontends.Values.Sum(f => f.Used),
            Granted = State.Granted,
            Remaining = Math.Max(0, spec.Limit - State.Granted),
            Mode = ModeFor(spec.Limit, frontends, out _),
            Epoch = State.Epoch,
            Leases =
            [
                .. State.Frontends.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new QuotaLease
                {
                    Frontend = f.Key,
                    Granted = f.Value.Granted,
                    Used = f.Value.Used,
                    Outstanding = f.Value.Granted - f.Value.Used,
                }),
            ],
        };
    }

    private long _consumerStamp;

    /// <summary>Tells the top-consumers view how much this subject used; the API level has no subject to rank.</summary>
    private void PublishUse()
    {
        if (_hasKey && _key.Level != ThrottleLevel.Api)
        {
            var used = State.Frontends.Values.Sum(f => f.Used);

            // Increasing within this activation, and a later activation starts from a later clock.
            _consumerStamp = Math.Max(_consumerStamp + 1, DateTime.UtcNow.Ticks);
            GrainFactory.GetGrain<IQuotaConsumersGrain>(_key.ConsumersKey).Update(_key.Level, _key.Subject, State.WindowStart, used, _consumerStamp).Ignore();
        }
    }

    /// <summary>
    /// A package's 80% and 100% are detected here, not on frontends: many frontends spend one package at once, each
    /// seeing only its own lease, while this counter is the package's one writer and knows <c>used</c> exactly, in
    /// order. The event is stored in the metering outbox first and the threshold marked here after, so a silo lost
    /// in between only makes the next call send it again, and the outbox drops the repeat by its id: each threshold
    /// is announced once per grant. A failure is logged and tried again on the counter's next call (the next report of
    /// a frontend, or the next ask of a refused call).
    /// </summary>
    private async Task AnnounceUse()
    {
        _announcer?.Dispose();
        _announcer = null;
        var used = State.Frontends.Values.Sum(f => f.Used);
        var reached = Gateway.Metering.PackageEvents.Reached(used, State.Limit);
        if (!_isPackage || !State.Fixed || reached <= State.Announced)
        {
            return;
        }

        try
        {
            var grant = GrainKeys.GrantOfPackage(this.GetPrimaryKeyString());
            await Gateway.Metering.PackageEvents.Announce(GrainFactory, grant, State.Epoch, used, State.Limit, State.Announced, reached, _time.GetUtcNow());
            State.Announced = reached;
            await _state.WriteStateAsync();
        }
        catch (Exception e)
        {
            LogAnnounceFailed(e, this.GetPrimaryKeyString());
        }
    }

    /// <summary>
    /// Announces in a turn of its own, right after the call that crossed the threshold has been answered: the
    /// frontend waiting for its lease does not wait for the catalog and the outbox too.
    /// </summary>
    private void ScheduleAnnouncement()
    {
        if (_isPackage && _announcer is null && Gateway.Metering.PackageEvents.Reached(State.Frontends.Values.Sum(f => f.Used), State.Limit) > State.Announced)
        {
            _announcer = this.RegisterGrainTimer(_ => AnnounceUse(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }
    }

    private static QuotaSpec Checked(QuotaSpec? spec)
    {
        spec ??= new QuotaSpec();
        if (spec.Limit < 0 || !Enum.IsDefined(spec.Unit))
        {
            throw new ArgumentException($"a quota needs a limit of 0 or more and a known unit, not {spec.Limit} per {spec.Unit}");
        }

        if ((spec.From is null) != (spec.Until is null) || spec.From >= spec.Until)
        {
            throw new ArgumentException($"a fixed window needs a start before its end, not {spec.From} to {spec.Until}");
        }

        return spec;
    }

    private void Touch() => _lastCall = Environment.TickCount64;

    private Task LeaveMemoryWhenIdle()
    {
        if (Environment.TickCount64 - _lastCall >= (long)_settings.Idle.TotalMilliseconds)
        {
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = LogEvents.QuotaReset, Level = LogLevel.Information, Message = "Quota counter {Key} reset by an operator; {Granted} had been granted in the window")]
    private partial void LogReset(string key, long granted);

    [LoggerMessage(EventId = LogEvents.PackageEventFailed, Level = LogLevel.Warning, Message = "Could not store the usage event of package counter {Key}; it is tried again on the counter's next call")]
    private partial void LogAnnounceFailed(Exception exception, string key);

    [LoggerMessage(EventId = LogEvents.QuotaStoreFailed, Level = LogLevel.Warning, Message = "Could not store quota counter {Key}; the grant was withdrawn")]
    private partial void LogStoreFailed(Exception exception, string key);
}
