using System.Runtime.CompilerServices;
using Gateway.Catalog;

namespace Gateway.Frontend.Parameters;

/// <summary>
/// The compiled <see cref="ParameterPlan"/> of every published API version, keyed by the very
/// <see cref="PublishedApi"/> object routing matched, so that a call always uses the plan of the version it was
/// routed to, even while a newer snapshot is being installed.
/// </summary>
public sealed partial class ParameterPlans
{
    private readonly ConditionalWeakTable<PublishedApi, ParameterPlan> _plans = new();
    private readonly ConditionalWeakTable<PublishedApi, ParameterPlan>.CreateValueCallback _build;
    private readonly ILogger<ParameterPlans> _logger;

    public ParameterPlans(ParameterSettings settings, ILogger<ParameterPlans> logger)
    {
        _logger = logger;
        var timeout = TimeSpan.FromMilliseconds(Math.Max(1, settings.RegexTimeoutMs));
        _build = api => Compile(api, timeout);
    }

    /// <summary>Compiles the plans of a new snapshot before its routes go live.</summary>
    public void Prepare(CatalogSnapshot snapshot)
    {
        foreach (var api in snapshot.Apis)
        {
            _plans.GetValue(api, _build);
        }
    }

    public ParameterPlan Get(PublishedApi api) =>
        _plans.TryGetValue(api, out var plan) ? plan : _plans.GetValue(api, _build);

    private ParameterPlan Compile(PublishedApi api, TimeSpan timeout)
    {
        var plan = ParameterPlan.Build(api, timeout);
        if (plan.Broken is { } problem)
        {
            LogPlanFailed(api.Definition.Id, api.Stage, api.Version, problem);
        }

        return plan;
    }

    [LoggerMessage(EventId = LogEvents.ParameterPlanFailed, Level = LogLevel.Error,
        Message = "API {Api} version {Version} in {Stage} has parameter definitions the frontend cannot compile; its calls get 500: {Problem}")]
    private partial void LogPlanFailed(string api, string stage, int version, string problem);
}
