using Gateway.Catalog;
using Gateway.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Monitoring;

/// <summary>
/// One-second buckets of the last hour for one API or app in one stage, filled by every frontend's batches,
/// so that failures seen by different frontends add up in one window. An API's window evaluates the alert
/// rules that watch it after each batch and hands firing and resolved alerts to the rule's outbox.
/// The buckets live in memory: they are live telemetry, and a lost activation costs at most an hour of series.
/// </summary>
public sealed partial class UsageWindowGrain : Grain, IUsageWindowGrain
{
    public const int Seconds = 3600;

    /// <summary>How long a copy of the alert rules is used before it is fetched from the catalog again.</summary>
    private static readonly TimeSpan RulesFreshFor = TimeSpan.FromSeconds(2);

    /// <summary>While an alert is active the window is checked this often, so that it resolves when traffic stops.</summary>
    private static readonly TimeSpan ActiveCheck = TimeSpan.FromSeconds(5);

    private readonly UsageBucket[] _buckets = new UsageBucket[Seconds];
    private readonly TimeProvider _time;
    private readonly ILogger<UsageWindowGrain> _logger;
    private readonly Dictionary<string, ActiveAlert> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastFired = new(StringComparer.Ordinal);
    private string _kind = "";
    private string _id = "";
    private string _stage = "";
    private string _group = "";
    private AlertRule[] _rules = [];
    private DateTimeOffset _rulesAt = DateTimeOffset.MinValue;
    private IGrainTimer? _timer;

    public UsageWindowGrain([FromKeyedServices(GatewayTime.Key)] TimeProvider time, ILogger<UsageWindowGrain> logger)
    {
        _time = time;
        _logger = logger;
        for (var i = 0; i < Seconds; i++)
        {
            _buckets[i] = new UsageBucket();
        }
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_kind, _id, _stage) = GrainKeys.ParseWindow(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task Record(long second, UsageCounters[] counters) => RecordBatch("", second, counters);

    public async Task RecordBatch(string batchId, long second, UsageCounters[] counters)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();

        // A frontend's clock may be a little ahead; a batch older than the hour has nothing left to add to.
        if (second <= now - Seconds || second > now + 5)
        {
            return;
        }

        var bucket = _buckets[Slot(second)];
        if (bucket.Second != second)
        {
            bucket.Reset(second);
        }

        // A frontend sends a batch again when the silo did not acknowledge it (its billing part failed, say).
        if (!bucket.Admit(batchId))
        {
            return;
        }

        foreach (var c in counters)
        {
            bucket.Add(c);
            if (c.Group.Length > 0)
            {
                _group = c.Group;
            }
        }

        if (_kind == "api")
        {
            await Evaluate();
        }
    }

    public Task<UsageSeries> GetSeries(int minutes)
    {
        minutes = Math.Clamp(minutes, 1, 60);
        var resolution = minutes <= 1 ? 1 : minutes <= 5 ? 5 : 60;
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var from = now - (minutes * 60) + 1;
        var totals = new UsageBucket();
        var points = new List<UsagePoint>();
        for (var start = from - Mod(from, resolution); start <= now; start += resolution)
        {
            var span = new UsageBucket();
            for (var s = Math.Max(start, from); s < start + resolution && s <= now; s++)
            {
                if (Bucket(s) is { } b)
                {
                    span.Add(b);
                }
            }

            if (span.Requests > 0)
            {
                points.Add(span.ToPoint(DateTimeOffset.FromUnixTimeSeconds(start)));
                totals.Add(span);
            }
        }

        return Task.FromResult(new UsageSeries
        {
            Kind = _kind,
            Id = _id,
            Stage = _stage,
            Minutes = minutes,
            ResolutionSeconds = resolution,
            Totals = totals.ToPoint(DateTimeOffset.FromUnixTimeSeconds(from)),
            Points = [.. points],
        });
    }

    private async Task Evaluate()
    {
        var now = _time.GetUtcNow();
        var rules = await Rules(now);
        foreach (var ruleId in _active.Keys.Where(id => !rules.Any(r => r.Id == id)).ToList())
        {
            // The rule was deleted, disabled or no longer watches this API: its alert ends without a notice.
            _active.Remove(ruleId);
        }

        foreach (var rule in rules)
        {
            var window = Sum(now.ToUnixTimeSeconds(), rule.WindowMinutes * 60, rule.Metric, out var firstSeen);
            var value = window.Measure(rule.Metric);
            var breached = window.Requests >= rule.MinRequestCount && window.Requests > 0 && Compare(value, rule.Comparison, rule.Threshold);
            var active = _active.GetValueOrDefault(rule.Id);
            if (breached && active is null)
            {
                if (_lastFired.TryGetValue(rule.Id, out var last) && now - last < TimeSpan.FromMinutes(rule.QuietMinutes))
                {
                    continue;
                }

                var alertId = $"{rule.Id}/{_id}/{_stage}/{now.ToUnixTimeMilliseconds()}";
                var notice = new AlertNotice
                {
                    AlertId = alertId,
                    Kind = AlertNoticeKind.Fired,
                    Rule = rule,
                    ApiId = _id,
                    Stage = _stage,
                    Value = value,
                    Requests = window.Requests,
                    At = now,
                    FirstSeen = firstSeen,
                };
                if (await Hand(notice))
                {
                    _active[rule.Id] = new ActiveAlert(alertId, rule);
                    _lastFired[rule.Id] = now;
                    LogFired(rule.Id, _id, _stage, value, window.Requests);
                }
            }
            else if (!breached && active is not null)
            {
                var notice = new AlertNotice
                {
                    AlertId = active.AlertId,
                    Kind = AlertNoticeKind.Resolved,
                    Rule = rule,
                    ApiId = _id,
                    Stage = _stage,
                    Value = value,
                    Requests = window.Requests,
                    At = now,
                    Notify = rule.NotifyOnResolve,
                };
                if (await Hand(notice))
                {
                    _active.Remove(rule.Id);
                    LogResolved(rule.Id, _id, _stage, value);
                }
            }
        }

        if (_active.Count > 0 && _timer is null)
        {
            _timer = this.RegisterGrainTimer(_ => Evaluate(), new GrainTimerCreationOptions(ActiveCheck, ActiveCheck));
        }
        else if (_active.Count == 0 && _timer is not null)
        {
            _timer.Dispose();
            _timer = null;
        }
    }

    /// <summary>Stores the notice in the rule's outbox; on failure the alert is tried again at the next evaluation.</summary>
    private async Task<bool> Hand(AlertNotice notice)
    {
        try
        {
            await GrainFactory.GetGrain<INotificationOutboxGrain>(GrainKeys.Outbox(notice.Rule.Id)).Enqueue(notice);
            return true;
        }
        catch (Exception e)
        {
            LogOutboxFailed(e, notice.Rule.Id, notice.AlertId);
            return false;
        }
    }

    private async Task<AlertRule[]> Rules(DateTimeOffset now)
    {
        if (now - _rulesAt >= RulesFreshFor || now < _rulesAt)
        {
            try
            {
                var all = await GrainFactory.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetAlertRules();
                _rules = [.. all.Where(Watches)];
                _rulesAt = now;
            }
            catch (Exception e)
            {
                // Keep judging with the rules we have; the catalog is asked again at the next batch.
                LogRulesFailed(e);
            }
        }

        return _rules;
    }

    private bool Watches(AlertRule rule) => rule.Enabled && rule.Stage == _stage && rule.Scope switch
    {
        AlertScope.Api => rule.Target == _id,
        AlertScope.Group => _group.Length > 0 && rule.Target == _group,
        AlertScope.All => true,
        _ => false,
    };

    private UsageBucket Sum(long now, int seconds, AlertMetric metric, out DateTimeOffset? firstSeen)
    {
        firstSeen = null;
        var sum = new UsageBucket();
        for (var s = now - seconds + 1; s <= now; s++)
        {
            if (Bucket(s) is { } b)
            {
                if (firstSeen is null && b.Counts(metric))
                {
                    firstSeen = DateTimeOffset.FromUnixTimeSeconds(s);
                }

                sum.Add(b);
            }
        }

        return sum;
    }

    private UsageBucket? Bucket(long second)
    {
        var b = _buckets[Slot(second)];
        return b.Second == second ? b : null;
    }

    private static bool Compare(double value, AlertComparison comparison, double threshold) => comparison switch
    {
        AlertComparison.GreaterThan => value > threshold,
        AlertComparison.GreaterOrEqual => value >= threshold,
        AlertComparison.LessThan => value < threshold,
        AlertComparison.LessOrEqual => value <= threshold,
        _ => false,
    };

    private static int Slot(long second) => (int)Mod(second, Seconds);

    private static long Mod(long value, long by) => ((value % by) + by) % by;

    private sealed record ActiveAlert(string AlertId, AlertRule Rule);

    [LoggerMessage(EventId = LogEvents.AlertFired, Level = LogLevel.Warning, Message = "Alert rule {RuleId} fired for API {ApiId} in {Stage}: value {Value} over {Requests} requests")]
    private partial void LogFired(string ruleId, string apiId, string stage, double value, long requests);

    [LoggerMessage(EventId = LogEvents.AlertResolved, Level = LogLevel.Information, Message = "Alert rule {RuleId} resolved for API {ApiId} in {Stage}: value {Value}")]
    private partial void LogResolved(string ruleId, string apiId, string stage, double value);

    [LoggerMessage(EventId = LogEvents.AlertOutboxFailed, Level = LogLevel.Error, Message = "Could not store alert {AlertId} of rule {RuleId} in its outbox; trying again at the next batch")]
    private partial void LogOutboxFailed(Exception exception, string ruleId, string alertId);

    [LoggerMessage(EventId = LogEvents.AlertRulesFailed, Level = LogLevel.Warning, Message = "Could not read the alert rules from the catalog")]
    private partial void LogRulesFailed(Exception exception);
}
