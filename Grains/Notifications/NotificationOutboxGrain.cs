using Gateway.Catalog;
using Gateway.Metering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Notifications;

/// <summary>
/// The durable outbox of one alert rule, or of metering events. A notice or event is stored before
/// <see cref="Enqueue"/> or <see cref="EnqueueEvent"/> returns; each recipient's message is then sent with
/// exponential backoff until accepted. A reminder wakes the outbox on another silo when the one holding it dies, so
/// pending messages survive a silo loss. Each (alert, kind, recipient) and each (event, webhook) is sent until
/// accepted once and then never again, and a message never before the one it comes after (a resolve notice after
/// its alert, a package's 100% after its 80%).
/// </summary>
public sealed partial class NotificationOutboxGrain : Grain, INotificationOutboxGrain, IRemindable
{
    public const int HistoryLimit = 200;
    private const string ReminderName = "deliver";

    private readonly IPersistentState<OutboxState> _state;
    private readonly INotificationSender _sender;
    private readonly TimeProvider _time;
    private readonly OutboxOptions _options;
    private readonly ILogger<NotificationOutboxGrain> _logger;
    private IGrainTimer? _timer;
    private bool _reminder;

    public NotificationOutboxGrain(
        [PersistentState("outbox", StorageNames.Notifications)] IPersistentState<OutboxState> state,
        INotificationSender sender,
        [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
        IOptions<OutboxOptions> options,
        ILogger<NotificationOutboxGrain> logger)
    {
        _state = state;
        _sender = sender;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    private OutboxState State => _state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Pending.Count > 0)
        {
            Schedule(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task Enqueue(AlertNotice notice)
    {
        var index = State.History.FindIndex(h => h.AlertId == notice.AlertId);
        var record = index >= 0 ? State.History[index] : null;
        var known = notice.Kind == AlertNoticeKind.Fired ? record is not null : record?.ResolvedAt is not null;
        if (known || (notice.Kind == AlertNoticeKind.Resolved && record is null))
        {
            // Asked twice (a retried call), or resolving an alert this outbox never saw: nothing to send.
            LogDuplicate(notice.AlertId, notice.Kind.ToString());
            return;
        }

        var now = _time.GetUtcNow();
        var messages = notice.Notify ? Recipients(notice).Select(r => new PendingMessage
        {
            Notice = notice,
            Channel = r.Channel,
            Recipient = r.Recipient,
            NextAttemptAt = now,
        }).ToList() : [];
        var deliveries = messages.Select(m => new DeliveryRecord { Kind = notice.Kind, Channel = m.Channel, Recipient = m.Recipient, Status = DeliveryStatus.Pending });
        if (record is null)
        {
            State.History.Add(new AlertRecord
            {
                AlertId = notice.AlertId,
                RuleId = notice.Rule.Id,
                RuleName = notice.Rule.DisplayName(),
                ApiId = notice.ApiId,
                Stage = notice.Stage,
                Metric = notice.Rule.Metric,
                Threshold = notice.Rule.Threshold,
                Value = notice.Value,
                FiredAt = notice.At,
                FirstSeen = notice.FirstSeen,
                Deliveries = [.. deliveries],
            });
            if (State.History.Count > HistoryLimit)
            {
                State.History.RemoveRange(0, State.History.Count - HistoryLimit);
            }
        }
        else
        {
            State.History[index] = record with { ResolvedAt = notice.At, Deliveries = [.. record.Deliveries, .. deliveries] };
        }

        State.Pending.AddRange(messages);
        await _state.WriteStateAsync();
        if (messages.Count > 0)
        {
            await KeepAwake(true);
            Schedule(TimeSpan.Zero);
        }
    }

    public Task<AlertRecord[]> GetHistory() => Task.FromResult(State.History.AsEnumerable().Reverse().ToArray());

    public async Task EnqueueEvent(MeteringEvent @event)
    {
        if (State.Events.Any(r => r.Event.Id == @event.Id))
        {
            // Sent again by a maker that could not know it was stored (its silo died, its call timed out).
            LogDuplicate(@event.Id, @event.Type);
            return;
        }

        // The webhooks are chosen when the event is stored; their URL and secret are read when it is sent.
        var webhooks = await GrainFactory.GetGrain<ICatalogGrain>(GrainKeys.Catalog).GetMeteringWebhooks();
        var now = _time.GetUtcNow();
        var messages = webhooks.Where(w => w.Hears(@event.App, @event.Type)).Select(w => new PendingMessage
        {
            Event = @event,
            Channel = NotificationChannels.MeteringWebhook,
            Recipient = w.Name,
            NextAttemptAt = now,
        }).ToList();
        State.Events.Add(new MeteringEventRecord
        {
            Event = @event,
            Deliveries = [.. messages.Select(m => new DeliveryRecord { Channel = m.Channel, Recipient = m.Recipient, Status = DeliveryStatus.Pending })],
        });
        if (State.Events.Count > HistoryLimit)
        {
            State.Events.RemoveRange(0, State.Events.Count - HistoryLimit);
        }

        State.Pending.AddRange(messages);
        await _state.WriteStateAsync();
        if (messages.Count > 0)
        {
            await KeepAwake(true);
            Schedule(TimeSpan.Zero);
        }
    }

    public Task<MeteringEventRecord[]> GetEvents() => Task.FromResult(State.Events.AsEnumerable().Reverse().ToArray());

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Only wakes the grain (activation schedules delivery); an empty outbox stops its reminder.
        return State.Pending.Count == 0 ? KeepAwake(false) : Task.CompletedTask;
    }

    private async Task Deliver()
    {
        var now = _time.GetUtcNow();
        var due = State.Pending.Where(p => p.NextAttemptAt <= now && !WaitsForEarlier(p)).ToList();
        if (due.Count > 0)
        {
            var outcomes = await Task.WhenAll(due.Select(Attempt));
            var done = _time.GetUtcNow();
            foreach (var (message, error, permanent) in outcomes)
            {
                State.Pending.Remove(message);
                var attempts = message.Attempts + 1;
                var givenUp = error is not null && (permanent || done - message.At >= _options.GiveUpAfter);
                var next = error is null || givenUp ? (DateTimeOffset?)null : done + _options.Backoff(attempts);
                if (next is { } at)
                {
                    State.Pending.Add(message with { Attempts = attempts, NextAttemptAt = at });
                    LogFailed(message.Channel, message.Id, attempts, at, error!);
                }
                else if (givenUp)
                {
                    LogGivenUp(message.Channel, message.Id, attempts, error!);
                }
                else
                {
                    LogDelivered(message.Channel, message.Id, message.Kind, attempts);
                }

                if (next is null)
                {
                    // Through (or given up): what was held back behind it for the same recipient goes next.
                    ReleaseFollowers(message, done);
                }

                Update(message, d => d with
                {
                    Attempts = attempts,
                    Status = error is null ? DeliveryStatus.Delivered : givenUp ? DeliveryStatus.Failed : DeliveryStatus.Pending,
                    LastError = error,
                    DeliveredAt = error is null ? done : null,
                    NextAttemptAt = next,
                });
            }

            await _state.WriteStateAsync();
        }

        if (State.Pending.Count == 0)
        {
            await KeepAwake(false);
            return;
        }

        var wait = State.Pending.Where(p => !WaitsForEarlier(p)).Min(p => p.NextAttemptAt) - _time.GetUtcNow();
        Schedule(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
    }

    private async Task<(PendingMessage Message, string? Error, bool Permanent)> Attempt(PendingMessage message)
    {
        using var timeout = new CancellationTokenSource(_options.AttemptTimeout);
        try
        {
            await (message.Event is { } metering
                ? _sender.SendEventAsync(message.Recipient, metering, timeout.Token)
                : _sender.SendAsync(message.Channel, message.Recipient, message.Notice, timeout.Token));
            return (message, null, false);
        }
        catch (NotificationException e)
        {
            return (message, e.Message, e.Permanent);
        }
        catch (OperationCanceledException)
        {
            return (message, $"no answer within {_options.AttemptTimeout.TotalSeconds:0} s", false);
        }
        catch (Exception e)
        {
            // Only the exception's type and message: a transport's message names the server, never a credential.
            return (message, $"{e.GetType().Name}: {e.Message}", false);
        }
    }

    /// <summary>
    /// A message is held while one it comes after is still pending for the same recipient: each has its own
    /// backoff, and a recipient must never read RESOLVED before the ALERT, or 100% before 80%. Held, it is not
    /// attempted at all.
    /// </summary>
    private bool WaitsForEarlier(PendingMessage message) => State.Pending.Any(message.ComesAfter);

    private void ReleaseFollowers(PendingMessage done, DateTimeOffset at)
    {
        for (var i = 0; i < State.Pending.Count; i++)
        {
            if (State.Pending[i].ComesAfter(done) && State.Pending[i].NextAttemptAt > at)
            {
                State.Pending[i] = State.Pending[i] with { NextAttemptAt = at };
            }
        }
    }

    private void Update(PendingMessage message, Func<DeliveryRecord, DeliveryRecord> change)
    {
        if (message.Event is { } metering)
        {
            var at = State.Events.FindIndex(r => r.Event.Id == metering.Id);
            if (at >= 0)
            {
                State.Events[at] = State.Events[at] with
                {
                    Deliveries = [.. State.Events[at].Deliveries.Select(d => d.Channel == message.Channel && d.Recipient == message.Recipient ? change(d) : d)],
                };
            }

            return;
        }

        var index = State.History.FindIndex(h => h.AlertId == message.Notice.AlertId);
        if (index < 0)
        {
            return;
        }

        var record = State.History[index];
        State.History[index] = record with
        {
            Deliveries = [.. record.Deliveries.Select(d =>
                d.Kind == message.Notice.Kind && d.Channel == message.Channel && d.Recipient == message.Recipient ? change(d) : d)],
        };
    }

    private void Schedule(TimeSpan due)
    {
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(_ => Deliver(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task KeepAwake(bool awake)
    {
        if (awake && !_reminder)
        {
            await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminder = true;
        }
        else if (!awake)
        {
            var reminder = await this.GetReminder(ReminderName);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminder = false;
        }
    }

    private static IEnumerable<(string Channel, string Recipient)> Recipients(AlertNotice notice) =>
        notice.Rule.Emails.Select(e => (NotificationChannels.Email, e))
            .Concat(notice.Rule.Phones.Select(p => (NotificationChannels.Sms, p)))
            .Concat(notice.Rule.Webhooks.Select(w => (NotificationChannels.Webhook, w)))
            .Distinct();

    [LoggerMessage(EventId = LogEvents.NotificationDelivered, Level = LogLevel.Information, Message = "Alert or event {AlertId} ({Kind}) handed to the {Channel} channel after {Attempts} attempt(s)")]
    private partial void LogDelivered(string channel, string alertId, string kind, int attempts);

    [LoggerMessage(EventId = LogEvents.NotificationFailed, Level = LogLevel.Warning, Message = "Alert or event {AlertId}: {Channel} attempt {Attempts} failed ({Error}); next attempt at {NextAttempt:u}")]
    private partial void LogFailed(string channel, string alertId, int attempts, DateTimeOffset nextAttempt, string error);

    [LoggerMessage(EventId = LogEvents.NotificationGivenUp, Level = LogLevel.Error, Message = "Alert or event {AlertId}: {Channel} message given up after {Attempts} attempt(s) ({Error})")]
    private partial void LogGivenUp(string channel, string alertId, int attempts, string error);

    [LoggerMessage(EventId = LogEvents.NotificationDuplicate, Level = LogLevel.Debug, Message = "Alert or event {AlertId} ({Kind}) is already in the outbox")]
    private partial void LogDuplicate(string alertId, string kind);
}
