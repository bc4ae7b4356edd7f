using System.Globalization;
using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Throttling;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Frontend.Throttling;

/// <summary>
/// Decides whether a call is within its API's throttle policy: every level the policy limits (caller IP,
/// app, user, API) is charged for it; if any refuses, what the others took is given back, because the call
/// is not admitted.
/// </summary>
public sealed class Throttler(QuotaClient quotas)
{
    /// <summary>The policy in force for the matched API, or null when nothing limits it.</summary>
    public ThrottlePolicy? PolicyFor(GatewayRequest request) => request.Route?.Throttle;

    /// <remarks>
    /// Without allocating when every level answers from a local lease (the usual call in lease mode): the
    /// levels' answers are kept in locals and the decision is made on a stack span.
    /// </remarks>
    public ValueTask<ThrottleDecision> CheckAsync(GatewayRequest request, ThrottlePolicy policy)
    {
        var api = request.Api!.Definition.Id;
        var stage = request.Api.Stage;

        // The narrow levels first, so that one abusive caller is refused before it spends the API's budget.
        // Started together: levels decided from local leases answer at once, and the grain calls that are
        // needed run side by side, so a call waits for at most one round trip.
        var ip = Take(policy, api, stage, ThrottleLevel.Ip, request.ClientIpText);
        var app = Take(policy, api, stage, ThrottleLevel.App, request.AppId);
        var user = Take(policy, api, stage, ThrottleLevel.User, request.UserId);
        var all = Take(policy, api, stage, ThrottleLevel.Api, GrainKeys.AllCallers);
        if (ip.IsCompletedSuccessfully && app.IsCompletedSuccessfully && user.IsCompletedSuccessfully && all.IsCompletedSuccessfully)
        {
            return new(Decide([ip.Result, app.Result, user.Result, all.Result]));
        }

        return WaitAndDecide(ip, app, user, all);
    }

    private async ValueTask<ThrottleDecision> WaitAndDecide(ValueTask<QuotaTake> ip, ValueTask<QuotaTake> app, ValueTask<QuotaTake> user, ValueTask<QuotaTake> all)
    {
        // Each is awaited even when an earlier one refused: what the others took must be known to give it back.
        var takes = new[] { await ip, await app, await user, await all };
        return Decide(takes);
    }

    /// <summary>One level's answer; a completed default (no counter) when the policy does not limit this caller at that level.</summary>
    private ValueTask<QuotaTake> Take(ThrottlePolicy policy, string api, string stage, ThrottleLevel level, string? subject) =>
        ThrottleRules.Limit(policy, level, subject) is { } limit
            ? quotas.TakeAsync(policy, api, stage, level, subject!, limit)
            : default;

    private ThrottleDecision Decide(ReadOnlySpan<QuotaTake> takes)
    {
        QuotaTake? refusal = null;
        foreach (var take in takes)
        {
            // The caller must wait for every refusing level: name the one that resets last.
            if (take.Counter is not null && !take.Admitted && (refusal is null || take.WindowEnd > refusal.Value.WindowEnd))
            {
                refusal = take;
            }
        }

        if (refusal is not null)
        {
            foreach (var take in takes)
            {
                if (take.Counter is not null)
                {
                    quotas.GiveBack(take);
                }
            }

            return new ThrottleDecision(refusal, null);
        }

        QuotaTake? tightest = null;
        foreach (var take in takes)
        {
            if (take.Counter is not null && (tightest is null || take.Remaining < tightest.Value.Remaining))
            {
                tightest = take;
            }
        }

        return new ThrottleDecision(null, tightest);
    }
}

/// <summary>The outcome for one call: the refusing level, or the admitting level with the least budget left (for the RateLimit headers).</summary>
public readonly record struct ThrottleDecision(QuotaTake? Refusal, QuotaTake? Tightest)
{
    public bool Admitted => Refusal is null;
}

/// <summary>Answers a throttled call with 429 (or 503 when failing closed); adds RateLimit headers to admitted ones.</summary>
internal sealed partial class ThrottlingMiddleware(
    RequestDelegate next,
    Throttler throttler,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
    ILogger<ThrottlingMiddleware> logger)
{
    private const string LimitHeader = "RateLimit-Limit";
    private const string RemainingHeader = "RateLimit-Remaining";
    private const string ResetHeader = "RateLimit-Reset";

    /// <summary>Made once: the RateLimit headers of an admitted call are set from its request, with no state object per call.</summary>
    private readonly Func<object, Task> _setHeaders = state =>
    {
        var context = (HttpContext)state;
        if (context.GetGatewayRequest().RateLimit is { } take)
        {
            SetHeaders(context.Response, take, ResetSeconds(time, take));
        }

        return Task.CompletedTask;
    };

    public Task Invoke(HttpContext context)
    {
        var request = context.Features.Get<GatewayRequest>();
        if (request is null || throttler.PolicyFor(request) is not { } policy)
        {
            return next(context);
        }

        if (Debugging.DebugCall.Of(context) is { } debug)
        {
            // The Debug API's calls take nothing from any quota (and are not refused by one).
            debug.NotCharged(policy.Name);
            return next(context);
        }

        // Decided at once from local leases, the call goes on without an async state machine of its own.
        var check = throttler.CheckAsync(request, policy);
        return check.IsCompletedSuccessfully ? Apply(context, check.Result) : ApplyWhenDecided(context, check);
    }

    private async Task ApplyWhenDecided(HttpContext context, ValueTask<ThrottleDecision> check) => await Apply(context, await check);

    private Task Apply(HttpContext context, ThrottleDecision decision)
    {
        if (decision.Refusal is { } refused)
        {
            return Refuse(context, refused);
        }

        if (decision.Tightest is { } tightest)
        {
            context.GetGatewayRequest().RateLimit = tightest;
            context.Response.OnStarting(_setHeaders, context);
        }

        return next(context);
    }

    private Task Refuse(HttpContext context, QuotaTake take)
    {
        var counter = take.Counter;
        if (take.Verdict == QuotaVerdict.Unavailable)
        {
            LogUnavailable(counter.Key);
            context.Response.Headers.RetryAfter = "1";
            return GatewayErrorWriter.WriteAsync(context, GatewayError.ThrottlingUnavailable);
        }

        var reset = ResetSeconds(time, take);
        LogRefused(counter.Key, counter.Spec.Limit);
        context.Response.Headers.RetryAfter = reset.ToString(CultureInfo.InvariantCulture);
        SetHeaders(context.Response, take with { Remaining = 0 }, reset);
        var error = counter.Level switch
        {
            ThrottleLevel.User => GatewayError.ThrottledByUser,
            ThrottleLevel.App => GatewayError.ThrottledByApp,
            ThrottleLevel.Ip => GatewayError.ThrottledByIp,
            _ => GatewayError.ThrottledByApi,
        };
        return GatewayErrorWriter.WriteAsync(context, error, $"{counter.Spec.Limit} per {GrainKeys.UnitName(counter.Spec.Unit).ToLowerInvariant()}");
    }

    private static void SetHeaders(HttpResponse response, QuotaTake take, long reset)
    {
        response.Headers[LimitHeader] = take.Limit.ToString(CultureInfo.InvariantCulture);
        response.Headers[RemainingHeader] = Math.Max(0, take.Remaining).ToString(CultureInfo.InvariantCulture);
        response.Headers[ResetHeader] = reset.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Whole seconds until the window resets, at least 1 (the window ends after now).</summary>
    private static long ResetSeconds(TimeProvider time, QuotaTake take)
    {
        var left = take.WindowEnd - time.GetUtcNow();
        return Math.Max(1, (long)Math.Ceiling(left.TotalSeconds));
    }

    [LoggerMessage(EventId = LogEvents.ThrottleRefused, Level = LogLevel.Debug, Message = "Throttled by {Key} (limit {Limit})")]
    private partial void LogRefused(string key, long limit);

    [LoggerMessage(EventId = LogEvents.ThrottleUnavailable, Level = LogLevel.Debug, Message = "Refused by {Key}: its quota grain cannot be reached (for now, or for longer than the grace period and the policy fails closed)")]
    private partial void LogUnavailable(string key);
}

public static class ThrottlingExtensions
{
    public static IServiceCollection AddThrottling(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddKeyedSingleton(GatewayTime.Key, TimeProvider.System);
        services.AddSingleton(ThrottlingSettings.From(configuration));
        services.AddSingleton<IClusterConnectionStatusObserver, ClusterConnection>();
        services.AddSingleton<QuotaClient>();
        services.AddSingleton<Throttler>();
        services.AddHostedService<QuotaReporter>();
        return services;
    }

    /// <summary>
    /// Belongs after routing and after every step that names the caller (client IP, app signature, OpenID
    /// Connect) and refuses calls (IP access, grants), so that refused calls spend no budget; right before
    /// the endpoints (MapServiceDefaults, the proxy).
    /// </summary>
    public static IApplicationBuilder UseThrottling(this IApplicationBuilder app) => app.UseMiddleware<ThrottlingMiddleware>();
}
