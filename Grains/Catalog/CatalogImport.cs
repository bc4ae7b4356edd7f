using System.Text.Json;

namespace Gateway.Catalog;

/// <summary>Turns a <see cref="CatalogDocument"/> into catalog state and back.</summary>
public static class CatalogImport
{
    public delegate int PublishDraft(CatalogState state, ApiDefinition draft, string stage, string? remark);

    /// <summary>Applies the document to <paramref name="state"/>; returns a refusal, or null when the edit went in.</summary>
    public static CatalogResult? Apply(CatalogState state, CatalogDocument document, CatalogImportMode mode, PublishDraft publish, TimeProvider time)
    {
        var errors = new List<CatalogError>();
        CheckUnique(document.Groups.Select(g => g.Name), "groups", errors);
        CheckUnique(document.Backends.Select(b => b.Name), "backends", errors);
        CheckUnique(document.Apis.Select(a => a.Id), "apis", errors);
        CheckUnique(document.Deployments.Select(d => $"{d.Api}/{d.Stage.ToUpperInvariant()}"), "deployments", errors);
        CheckUnique(document.Apps.Select(a => a.Id), "apps", errors);
        CheckUnique(document.Grants.Select(g => g.GetKey()), "grants", errors);
        CheckUnique(document.IdentityProviders.Select(p => p.Name), "identityProviders", errors);
        CheckUnique(document.ThrottlePolicies.Select(p => p.Name), "throttlePolicies", errors);
        CheckUnique(document.ThrottleBindings.Select(b => b.GetKey()), "throttleBindings", errors);
        CheckUnique(document.AlertRules.Select(r => r.Id), "alertRules", errors);
        CheckUnique(document.Meters.Select(m => m.Name), "meters", errors);
        CheckUnique(document.PricePlans.Select(p => p.Name), "pricePlans", errors);
        CheckUnique(document.Packages.Select(p => p.Name), "packages", errors);
        CheckUnique(document.Subscriptions.Select(s => s.App), "subscriptions", errors);
        CheckUnique(document.PackageGrants.Select(g => g.Id), "packageGrants", errors);
        CheckUnique(document.MeteringWebhooks.Select(w => w.Name), "meteringWebhooks", errors);
        CheckUnique(document.ApiPolicies.Select(p => p.Name), "apiPolicies", errors);
        CheckUnique(document.PolicyBindings.Select(b => b.GetKey()), "policyBindings", errors);

        if (mode == CatalogImportMode.Replace)
        {
            RemoveMissing(state.Groups, document.Groups.Select(g => g.Name));
            RemoveMissing(state.Backends, document.Backends.Select(b => b.Name));
            RemoveMissing(state.Apis, document.Apis.Select(a => a.Id));
            RemoveMissing(state.Versions, document.Apis.Select(a => a.Id));
            RemoveMissing(state.Apps, document.Apps.Select(a => a.Id));
            RemoveMissing(state.Grants, document.Grants.Select(g => g.GetKey()));

            // Keys never travel in a document: keep those of the apps and backends that stay.
            RemoveWhere(state.AppKeys, k => !state.Apps.ContainsKey(k.App));
            RemoveWhere(state.BackendSigningKeys, k => !state.Backends.ContainsKey(k.Backend));
            RemoveMissing(state.IdentityProviders, document.IdentityProviders.Select(p => p.Name));
            RemoveMissing(state.ThrottlePolicies, document.ThrottlePolicies.Select(p => p.Name));
            RemoveMissing(state.ThrottleBindings, document.ThrottleBindings.Select(b => b.GetKey()));
            RemoveMissing(state.AlertRules, document.AlertRules.Select(r => r.Id));
            RemoveMissing(state.ApiPolicies, document.ApiPolicies.Select(p => p.Name));
            RemoveMissing(state.PolicyBindings, document.PolicyBindings.Select(b => b.GetKey()));

            // The ledger stays: it is history, and a grant dropped here gets its Revoked entry like a deleted one.
            RemoveMissing(state.Meters, document.Meters.Select(m => m.Name));
            RemoveMissing(state.PricePlans, document.PricePlans.Select(p => p.Name));
            RemoveMissing(state.Packages, document.Packages.Select(p => p.Name));
            RemoveMissing(state.Subscriptions, document.Subscriptions.Select(s => s.App));
            RemoveMissing(state.PackageGrants, document.PackageGrants.Select(g => g.Id));
            RemoveMissing(state.MeteringWebhooks, document.MeteringWebhooks.Select(w => w.Name));

            // Replace means: live exactly where the document says.
            var wanted = document.Deployments
                .Select(d => StageName.TryNormalize(d.Stage, out var s) ? $"{d.Api}/{s}" : "")
                .ToHashSet(StringComparer.Ordinal);
            foreach (var (apiId, stages) in state.Deployments.ToList())
            {
                foreach (var stage in stages.Keys.ToList().Where(stage => !wanted.Contains($"{apiId}/{stage}")))
                {
                    stages.Remove(stage);
                }

                if (stages.Count == 0)
                {
                    state.Deployments.Remove(apiId);
                }
            }
        }

        Put(state.Groups, document.Groups, x => x.Name);
        Put(state.Backends, document.Backends, x => x.Name);
        Put(state.Apis, document.Apis, x => x.Id);
        Put(state.Apps, document.Apps, x => x.Id);
        Put(state.Grants, document.Grants, x => x.GetKey());
        Put(state.IdentityProviders, document.IdentityProviders, x => x.Name);
        Put(state.ThrottlePolicies, document.ThrottlePolicies, x => x.Name);
        Put(state.ThrottleBindings, document.ThrottleBindings, x => x.GetKey());
        Put(state.ApiPolicies, document.ApiPolicies, x => x.Name);
        Put(state.PolicyBindings, document.PolicyBindings, x => x.GetKey());

        // Stored normalized, under the id as the document wrote it.
        foreach (var rule in document.AlertRules)
        {
            state.AlertRules[rule.Id] = Gateway.Monitoring.AlertRuleValidator.Normalize(rule);
        }

        Put(state.Meters, document.Meters, x => x.Name);
        Put(state.PricePlans, document.PricePlans, x => x.Name);
        Put(state.Packages, document.Packages, x => x.Name);
        Put(state.Subscriptions, document.Subscriptions, x => x.App);
        Put(state.PackageGrants, document.PackageGrants, x => x.Id);
        Put(state.MeteringWebhooks, document.MeteringWebhooks.Select(Metering.MeteringNormalizer.Normalize).ToArray(), x => x.Name);
        Metering.MeteringWebhookSecrets.Match(state);

        for (var i = 0; i < document.Deployments.Length; i++)
        {
            var deployment = document.Deployments[i];
            var where = $"deployments[{i}]";
            var known = StageName.TryNormalize(deployment.Stage, out var stage);
            if (!known)
            {
                errors.Add(new(where + ".stage", "UnknownStage", $"'{deployment.Stage}' is not a stage; use one of {string.Join(", ", StageName.All)}"));
            }

            if (!state.Apis.TryGetValue(deployment.Api ?? "", out var draft))
            {
                errors.Add(new(where + ".api", "UnknownApi", $"there is no API '{deployment.Api}' to publish"));
                continue;
            }

            if (deployment.Version is null && deployment.Definition is null)
            {
                if (known && !IsLive(state, draft, stage))
                {
                    publish(state, draft, stage, deployment.Remark ?? "import");
                }

                continue;
            }

            if (known)
            {
                PutLive(state, deployment, where, stage, time, errors);
            }
        }

        return errors.Count == 0 ? null : CatalogResult.Refused(CatalogFailure.Invalid, 0, errors);
    }

    /// <summary>
    /// The drafts, and what is live in each stage: the version's number and full definition, which may differ
    /// from the draft. Importing the export puts exactly those versions live again and publishes nothing else.
    /// </summary>
    public static CatalogDocument Export(CatalogState state) => new()
    {
        Groups = [.. state.Groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal)],
        Backends = [.. state.Backends.Values.OrderBy(b => b.Name, StringComparer.Ordinal)],
        Apis = [.. state.Apis.Values.OrderBy(a => a.Id, StringComparer.Ordinal)],

        // Apps without keys, grants as they are: an export never holds a secret.
        Apps = [.. state.Apps.Values.OrderBy(a => a.Id, StringComparer.Ordinal)],
        Grants = [.. state.Grants.Values.OrderBy(g => g.GetKey(), StringComparer.Ordinal)],
        IdentityProviders = [.. state.IdentityProviders.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        ThrottlePolicies = [.. state.ThrottlePolicies.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        ThrottleBindings = [.. state.ThrottleBindings.Values.OrderBy(b => b.GetKey(), StringComparer.Ordinal)],
        ApiPolicies = [.. state.ApiPolicies.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        PolicyBindings = [.. state.PolicyBindings.Values.OrderBy(b => b.GetKey(), StringComparer.Ordinal)],
        Deployments =
        [
            .. from deployment in state.Deployments.OrderBy(d => d.Key, StringComparer.Ordinal)
               from stage in deployment.Value.Values.OrderBy(s => s.Stage, StringComparer.Ordinal)
               select new CatalogDeployment
               {
                   Api = deployment.Key,
                   Stage = stage.Stage,
                   Remark = state.FindVersion(deployment.Key, stage.Version)?.Remark,
                   Version = stage.Version,
                   Definition = state.FindVersion(deployment.Key, stage.Version)?.Definition,
               },
        ],
        AlertRules = [.. state.AlertRules.Values.OrderBy(r => r.Id, StringComparer.Ordinal)],
        Meters = [.. state.Meters.Values.OrderBy(m => m.Name, StringComparer.Ordinal)],
        PricePlans = [.. state.PricePlans.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        Packages = [.. state.Packages.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        Subscriptions = [.. state.Subscriptions.Values.OrderBy(s => s.App, StringComparer.Ordinal)],
        PackageGrants = [.. state.PackageGrants.Values.OrderBy(g => g.Id, StringComparer.Ordinal)],
        MeteringWebhooks = [.. state.MeteringWebhooks.Values.OrderBy(w => w.Name, StringComparer.Ordinal)],
    };

    /// <summary>
    /// Puts the deployment's version live. A version this catalog already holds must be the same definition
    /// (history is immutable); a version it lacks is added with its number, so the next publish follows it.
    /// </summary>
    private static void PutLive(CatalogState state, CatalogDeployment deployment, string where, string stage, TimeProvider time, List<CatalogError> errors)
    {
        if (deployment.Version is not { } number || number < 1)
        {
            errors.Add(new(where + ".version", "Required", "a deployment with a definition needs the version number (1 or more) it is live as"));
            return;
        }

        var existing = state.FindVersion(deployment.Api, number);
        if (deployment.Definition is null)
        {
            if (existing is null)
            {
                errors.Add(new(where + ".version", "UnknownVersion", $"API '{deployment.Api}' has no version {number}; give its definition to add it"));
                return;
            }
        }
        else if (!AddVersion(state, deployment, where, stage, number, existing, time, errors))
        {
            return;
        }

        if (state.Deployments.GetValueOrDefault(deployment.Api)?.GetValueOrDefault(stage)?.Version != number)
        {
            Deploy(state, deployment.Api, stage, number, time);
        }
    }

    /// <summary>False when the version cannot be live: a definition of another API, or another definition under the same number.</summary>
    private static bool AddVersion(CatalogState state, CatalogDeployment deployment, string where, string stage, int number, ApiVersion? existing, TimeProvider time, List<CatalogError> errors)
    {
        var definition = deployment.Definition!;
        if (definition.Id != deployment.Api)
        {
            errors.Add(new(where + ".definition.id", "Mismatch", $"the definition is of API '{definition.Id}', not '{deployment.Api}'"));
            return false;
        }

        if (existing is not null)
        {
            if (!SameDefinition(existing.Definition, definition))
            {
                errors.Add(new(where + ".definition", "VersionConflict",
                    $"version {number} of API '{deployment.Api}' already exists here with another definition; published versions never change"));
                return false;
            }
        }
        else
        {
            // A live version is checked like a draft: it must route and forward somewhere real.
            CatalogValidator.ValidateApi(definition, where + ".definition", state, errors);
            var history = state.Versions.TryGetValue(deployment.Api, out var list) ? list : state.Versions[deployment.Api] = [];
            history.Add(new ApiVersion
            {
                Version = number,
                Stage = stage,
                Remark = deployment.Remark ?? "import",
                PublishedAt = time.GetUtcNow(),
                Definition = definition,
            });
            history.Sort((a, b) => a.Version.CompareTo(b.Version));
        }

        return true;
    }

    private static void Deploy(CatalogState state, string apiId, string stage, int version, TimeProvider time)
    {
        var stages = state.Deployments.TryGetValue(apiId, out var existing) ? existing : state.Deployments[apiId] = new(StringComparer.Ordinal);
        stages[stage] = new StageStatus { Stage = stage, Version = version, Since = time.GetUtcNow() };
    }

    private static bool SameDefinition(ApiDefinition a, ApiDefinition b) => JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);

    /// <summary>Whether the stage already serves exactly this definition (records holding arrays compare by reference, so compare their JSON).</summary>
    private static bool IsLive(CatalogState state, ApiDefinition draft, string stage)
    {
        var live = state.Deployments.GetValueOrDefault(draft.Id)?.GetValueOrDefault(stage);
        var version = live is null ? null : state.FindVersion(draft.Id, live.Version);
        return version is not null && SameDefinition(version.Definition, draft);
    }

    private static void CheckUnique(IEnumerable<string> names, string kind, List<CatalogError> errors)
    {
        foreach (var name in names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            errors.Add(new($"{kind}[{name}]", "Duplicate", $"'{name}' appears more than once in the document"));
        }
    }

    public static void RemoveWhere<T>(Dictionary<string, T> items, Func<T, bool> remove)
    {
        foreach (var (key, _) in items.Where(i => remove(i.Value)).ToList())
        {
            items.Remove(key);
        }
    }

    /// <summary>Adds or replaces each item under its key: what a merge does with every collection of the document.</summary>
    private static void Put<T>(Dictionary<string, T> items, IEnumerable<T> from, Func<T, string> key)
    {
        foreach (var item in from)
        {
            items[key(item)] = item;
        }
    }

    private static void RemoveMissing<T>(Dictionary<string, T> items, IEnumerable<string> keep)
    {
        var wanted = keep.ToHashSet(StringComparer.Ordinal);
        foreach (var key in items.Keys.Where(k => !wanted.Contains(k)).ToList())
        {
            items.Remove(key);
        }
    }
}
