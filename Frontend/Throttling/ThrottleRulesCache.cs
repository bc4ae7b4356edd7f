using Gateway.Frontend.Catalog;
using Gateway.Throttling;

namespace Gateway.Frontend.Throttling;

/// <summary>The throttle rules of the snapshot in force, rebuilt once per catalog revision.</summary>
public sealed class ThrottleRulesCache(CatalogSnapshotStore store)
{
    private volatile ThrottleRules? _rules;

    public ThrottleRules? Current
    {
        get
        {
            var snapshot = store.Current;
            if (snapshot is null)
            {
                return null;
            }

            var rules = _rules;
            if (rules is null || rules.Revision != snapshot.Revision)
            {
                _rules = rules = ThrottleRules.Build(snapshot);
            }

            return rules;
        }
    }
}
