using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Catalog;

/// <summary>
/// The difference between two catalog states, item by item: what a change did, what a dry run would do, and
/// what the audit log keeps. Fields are named, values never: secrets (app secrets, signing secrets, private
/// keys) live in the same records.
/// </summary>
public static class CatalogDiff
{
    // Field names as documents write them, so that the diff names fields the way the operator wrote them.
    private static readonly JsonSerializerOptions Fields = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static CatalogChange[] Between(CatalogState before, CatalogState after)
    {
        var changes = new List<CatalogChange>();
        Compare("groups", before.Groups, after.Groups, changes);
        Compare("backends", before.Backends, after.Backends, changes);
        Compare("apis", before.Apis, after.Apis, changes);
        Compare("apps", before.Apps, after.Apps, changes);
        Compare("appKeys", before.AppKeys, after.AppKeys, changes);
        Compare("grants", before.Grants, after.Grants, changes);
        Compare("backendSigningKeys", before.BackendSigningKeys, after.BackendSigningKeys, changes);
        Compare("identityProviders", before.IdentityProviders, after.IdentityProviders, changes);
        Compare("certificates", before.Certificates, after.Certificates, changes);
        Compare("throttlePolicies", before.ThrottlePolicies, after.ThrottlePolicies, changes);
        Compare("throttleBindings", before.ThrottleBindings, after.ThrottleBindings, changes);
        Compare("alertRules", before.AlertRules, after.AlertRules, changes);
        Compare("meters", before.Meters, after.Meters, changes);
        Compare("pricePlans", before.PricePlans, after.PricePlans, changes);
        Compare("packages", before.Packages, after.Packages, changes);
        Compare("subscriptions", before.Subscriptions, after.Subscriptions, changes);
        Compare("packageGrants", before.PackageGrants, after.PackageGrants, changes);
        Compare("meteringWebhooks", before.MeteringWebhooks, after.MeteringWebhooks, changes);

        // A rotated secret is a change of its own; the change names the webhook, never the value.
        Compare("meteringWebhookSecrets", before.MeteringWebhookSecrets, after.MeteringWebhookSecrets, changes);

        // The ledger only grows: each new entry is one created item.
        changes.AddRange(after.Ledger.Skip(before.Ledger.Count).Select(e => new CatalogChange
        {
            Collection = "ledger",
            Item = e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Change = CatalogChangeKind.Created,
        }));
        Compare("apiPolicies", before.ApiPolicies, after.ApiPolicies, changes);
        Compare("policyBindings", before.PolicyBindings, after.PolicyBindings, changes);
        Compare("cachePurges", before.CachePurges, after.CachePurges, changes);
        CompareDeployments(before, after, changes);
        return [.. changes];
    }

    private static void Compare<T>(string collection, Dictionary<string, T> before, Dictionary<string, T> after, List<CatalogChange> changes)
    {
        foreach (var (key, old) in before.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            if (!after.TryGetValue(key, out var now))
            {
                changes.Add(new CatalogChange { Collection = collection, Item = key, Change = CatalogChangeKind.Deleted });
            }
            else if (!ReferenceEquals(old, now) && ChangedFields(old, now) is { Length: > 0 } fields)
            {
                changes.Add(new CatalogChange { Collection = collection, Item = key, Change = CatalogChangeKind.Changed, Fields = fields });
            }
        }

        foreach (var key in after.Keys.Where(k => !before.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal))
        {
            changes.Add(new CatalogChange { Collection = collection, Item = key, Change = CatalogChangeKind.Created });
        }
    }

    /// <summary>The top-level fields whose JSON differs (records holding arrays do not compare by value).</summary>
    private static string[] ChangedFields<T>(T before, T after)
    {
        var old = JsonSerializer.SerializeToElement(before, Fields);
        var now = JsonSerializer.SerializeToElement(after, Fields);
        if (old.ValueKind != JsonValueKind.Object || now.ValueKind != JsonValueKind.Object)
        {
            return JsonElement.DeepEquals(old, now) ? [] : ["value"];
        }

        var names = old.EnumerateObject().Select(p => p.Name).Union(now.EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);
        return
        [
            .. names.Where(name =>
            {
                var hadIt = old.TryGetProperty(name, out var a);
                var hasIt = now.TryGetProperty(name, out var b);
                return hadIt != hasIt || (hadIt && !JsonElement.DeepEquals(a, b));
            }),
        ];
    }

    private static void CompareDeployments(CatalogState before, CatalogState after, List<CatalogChange> changes)
    {
        var apis = before.Deployments.Keys.Union(after.Deployments.Keys, StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal);
        foreach (var api in apis)
        {
            var old = before.Deployments.GetValueOrDefault(api);
            var now = after.Deployments.GetValueOrDefault(api);
            var stages = (old?.Keys.AsEnumerable() ?? []).Union(now?.Keys.AsEnumerable() ?? [], StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal);
            foreach (var stage in stages)
            {
                var was = old?.GetValueOrDefault(stage)?.Version;
                var @is = now?.GetValueOrDefault(stage)?.Version;
                if (was == @is)
                {
                    continue;
                }

                changes.Add(@is is null
                    ? new CatalogChange { Collection = "deployments", Item = api, Stage = stage, Change = CatalogChangeKind.TakenOffline }
                    : new CatalogChange { Collection = "deployments", Item = api, Stage = stage, Change = CatalogChangeKind.Published, Version = @is });
            }
        }
    }
}
