using Gateway.Frontend.Errors;
using Gateway.Frontend.Pipeline;
using Gateway.Frontend.Throttling;
using Gateway.Metering;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Metering;

/// <summary>
/// Spends one call of the app's packages on each call to an API they cover, cluster-wide through the packages'
/// quota counters: leases spent locally, so the usual call makes no grain call (see <see cref="QuotaClient"/>).
/// A call is refused 403 once every covering package is used up (A403QE) or none is valid now (A403QX). A call
/// the app's meter does not bill (a backend's 5xx, a gateway error, a caller who left) gives its package call back.
/// </summary>
internal sealed partial class PackageEnforcementMiddleware(
    RequestDelegate next,
    QuotaClient quotas,
    [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
    ILogger<PackageEnforcementMiddleware> logger)
{
    public Task Invoke(HttpContext context)
    {
        var request = context.Features.Get<GatewayRequest>();
        if (request?.Api is null || request.Catalog is not { } catalog || catalog.Packages.For(request.AppId) is not { Length: > 0 } packages)
        {
            return next(context);
        }

        // The Debug API's calls are not the app's traffic: they use no package and are never refused by one.
        if (Debugging.DebugCall.Of(context) is not null)
        {
            return next(context);
        }

        // The app's packages are for other APIs: this one is not sold by the call, and goes on without a state machine.
        if (!Covers(packages, request.Api.Definition.Id))
        {
            return next(context);
        }

        return EnforceAsync(context, request, packages);
    }

    private static bool Covers(PackageCounter[] packages, string api)
    {
        foreach (var package in packages)
        {
            if (package.Allowance.Covers(api))
            {
                return true;
            }
        }

        return false;
    }

    private async Task EnforceAsync(HttpContext context, GatewayRequest request, PackageCounter[] packages)
    {
        var api = request.Api!.Definition.Id;
        var now = time.GetUtcNow();
        bool valid = false, unavailable = false;
        foreach (var package in packages)
        {
            if (!package.Allowance.Covers(api))
            {
                continue;
            }

            if (!package.Allowance.ValidAt(now))
            {
                continue;
            }

            valid = true;
            var take = await quotas.TakeAsync(package.Counter);
            if (take.Admitted)
            {
                await SpendAsync(context, request, package, take);
                return;
            }

            unavailable |= take.Verdict == QuotaVerdict.Unavailable;
        }

        if (unavailable)
        {
            LogUnavailable(request.AppId!);
            context.Response.Headers.RetryAfter = "1";
            await GatewayErrorWriter.WriteAsync(context, GatewayError.PackageUnavailable);
            return;
        }

        LogRefused(request.AppId!, api, valid ? "used up" : "expired or not started");
        await GatewayErrorWriter.WriteAsync(context, valid ? GatewayError.PackageUsedUp : GatewayError.PackageExpired);
    }

    private async Task SpendAsync(HttpContext context, GatewayRequest request, PackageCounter package, QuotaTake take)
    {
        var billed = false;
        try
        {
            await next(context);
            billed = Billed(context, request, package.Allowance.Meter);
            request.PaidByPackage = billed;
        }
        finally
        {
            if (!billed)
            {
                quotas.GiveBack(take);
            }
        }
    }

    /// <summary>As metering counts it: an answer of the backend or the mock, of a status class the meter bills.</summary>
    private static bool Billed(HttpContext context, GatewayRequest request, Meter meter) =>
        request.Error is null
        && context.Features.Get<IForwarderErrorFeature>() is null
        && !request.CallerGone(context)
        && meter.Bills(context.Response.StatusCode, request.MockAnswered);

    [LoggerMessage(EventId = LogEvents.PackageRefused, Level = LogLevel.Debug, Message = "A call of app {App} to {Api} was refused: its packages are {Reason}")]
    private partial void LogRefused(string app, string api, string reason);

    [LoggerMessage(EventId = LogEvents.PackageUnavailable, Level = LogLevel.Debug, Message = "A call of app {App} was refused: its packages' counters cannot be reached (for now, or for longer than the grace period and its plan fails closed)")]
    private partial void LogUnavailable(string app);
}

public static class PackageEnforcementExtensions
{
    /// <summary>
    /// Belongs after throttling (so that a throttled call uses no package) and right before the endpoints. Needs
    /// <see cref="QuotaClient"/>, which throttling registers.
    /// </summary>
    public static IApplicationBuilder UsePackageEnforcement(this IApplicationBuilder app) => app.UseMiddleware<PackageEnforcementMiddleware>();
}
