using Gateway.Monitoring;

namespace Gateway.Catalog;

/// <summary>Alert rules: part of the catalog, validated with it, exported and imported with it.</summary>
public sealed partial class CatalogGrain
{
    public Task<CatalogResult> UpsertAlertRule(AlertRule rule)
    {
        rule = AlertRuleValidator.Normalize(rule);
        return Change(state =>
        {
            state.AlertRules[rule.Id] = rule;
            return null;
        });
    }

    public Task<CatalogResult> DeleteAlertRule(string id) => Change(state =>
        state.AlertRules.Remove(id) ? null : NotFound("alertRules", id));

    public Task<AlertRule[]> GetAlertRules() =>
        Task.FromResult(State.AlertRules.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToArray());
}
