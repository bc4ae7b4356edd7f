using Gateway.Metering;
using Microsoft.Extensions.Logging;

namespace Gateway.Catalog;

public sealed partial class CatalogGrain
{
    public Task<CatalogResult> UpsertMeter(Meter meter)
    {
        meter = MeteringNormalizer.Normalize(meter);
        return Change(state =>
        {
            state.Meters[meter.Name] = meter;
            return null;
        });
    }

    public Task<CatalogResult> DeleteMeter(string name) => Change(state =>
    {
        if (!state.Meters.ContainsKey(name))
        {
            return NotFound("meters", name);
        }

        var users = state.PricePlans.Values.Where(p => p.Meter == name).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        if (users.Count > 0)
        {
            // Refuse before removing, so that the answer names the cause rather than its consequences.
            return Invalid($"meters[{name}]", "MeterInUse", $"price plans still use the meter: {string.Join(", ", users)}");
        }

        state.Meters.Remove(name);
        return null;
    });

    public Task<CatalogResult> UpsertPricePlan(PricePlan plan)
    {
        plan = MeteringNormalizer.Normalize(plan);
        return Change(state =>
        {
            state.PricePlans[plan.Name] = plan;
            return null;
        });
    }

    public Task<CatalogResult> DeletePricePlan(string name) => Change(state =>
    {
        if (!state.PricePlans.ContainsKey(name))
        {
            return NotFound("pricePlans", name);
        }

        var users = state.Subscriptions.Values.Where(s => s.Plan == name).Select(s => s.App).Order(StringComparer.Ordinal).ToList();
        if (users.Count > 0)
        {
            // Refuse before removing, so that the answer names the cause rather than its consequences.
            return Invalid($"pricePlans[{name}]", "PlanInUse", $"apps are still subscribed to the plan: {string.Join(", ", users)}");
        }

        state.PricePlans.Remove(name);
        return null;
    });

    public Task<CatalogResult> UpsertPackage(CallPackage package)
    {
        package = MeteringNormalizer.Normalize(package);
        return Change(state =>
        {
            state.Packages[package.Name] = package;
            return null;
        });
    }

    public Task<CatalogResult> DeletePackage(string name) => Change(state =>
    {
        if (!state.Packages.ContainsKey(name))
        {
            return NotFound("packages", name);
        }

        var users = state.PackageGrants.Values.Where(g => g.Package == name).Select(g => g.Id).Order(StringComparer.Ordinal).ToList();
        if (users.Count > 0)
        {
            // Refuse before removing, so that the answer names the cause rather than its consequences.
            return Invalid($"packages[{name}]", "PackageInUse", $"grants still hold the package: {string.Join(", ", users)}");
        }

        state.Packages.Remove(name);
        return null;
    });

    public Task<CatalogResult> PutSubscription(Subscription subscription)
    {
        subscription = MeteringNormalizer.Normalize(subscription);
        return Change(state =>
        {
            if (!state.Apps.ContainsKey(subscription.App))
            {
                return NotFound("apps", subscription.App);
            }

            state.Subscriptions[subscription.App] = subscription;
            return null;
        });
    }

    public Task<CatalogResult> DeleteSubscription(string app) => Change(state =>
        state.Subscriptions.Remove(app) ? null : NotFound("subscriptions", app));

    public Task<CatalogResult> UpsertPackageGrant(PackageGrant grant)
    {
        grant = MeteringNormalizer.Normalize(grant);
        return Change(state =>
        {
            state.PackageGrants[grant.Id] = grant;
            return null;
        });
    }

    public Task<CatalogResult> DeletePackageGrant(string id) => Change(state =>
        state.PackageGrants.Remove(id) ? null : NotFound("packageGrants", id));

    public Task<CatalogResult> AdjustPackageGrant(string id, PackageAdjustment adjustment) => Change(state =>
    {
        if (!state.PackageGrants.TryGetValue(id, out var grant))
        {
            return NotFound("packageGrants", id);
        }

        var errors = new List<CatalogError>();
        MeteringValidator.ValidateAdjustment(adjustment, errors);
        if (errors.Count > 0)
        {
            return CatalogResult.Refused(CatalogFailure.Invalid, 0, errors);
        }

        MeteringLedger.Adjust(state, grant, adjustment, _time.GetUtcNow(), Gateway.Audit.AuditContext.Actor);
        return null;
    });

    public Task<MeteringCatalog> GetMetering() => Task.FromResult(new MeteringCatalog
    {
        Meters = [.. State.Meters.Values.OrderBy(m => m.Name, StringComparer.Ordinal)],
        PricePlans = [.. State.PricePlans.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        Packages = [.. State.Packages.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
        Subscriptions = [.. State.Subscriptions.Values.OrderBy(s => s.App, StringComparer.Ordinal)],
        PackageGrants = [.. State.PackageGrants.Values.OrderBy(g => g.Id, StringComparer.Ordinal)],
    });

    public Task<LedgerEntry[]> GetLedger(string? app, string? grant) => Task.FromResult(State.Ledger
        .Where(e => (app is null || e.App == app) && (grant is null || e.Grant == grant))
        .ToArray());

    public async Task<KeyCreation> UpsertMeteringWebhook(MeteringWebhook webhook)
    {
        webhook = MeteringNormalizer.Normalize(webhook);
        string? secret = null;
        var result = await Change(state =>
        {
            state.MeteringWebhooks[webhook.Name] = webhook;
            if (!state.MeteringWebhookSecrets.ContainsKey(webhook.Name))
            {
                state.MeteringWebhookSecrets[webhook.Name] = secret = MeteringWebhookSecrets.New();
            }

            return null;
        });
        return new KeyCreation { Result = result, Name = webhook.Name, Secret = result.Succeeded ? secret ?? "" : "", CreatedAt = _time.GetUtcNow() };
    }

    public Task<CatalogResult> DeleteMeteringWebhook(string name) => Change(state =>
    {
        if (!state.MeteringWebhooks.Remove(name))
        {
            return NotFound("meteringWebhooks", name);
        }

        state.MeteringWebhookSecrets.Remove(name);
        return null;
    });

    public async Task<KeyCreation> RotateMeteringWebhookSecret(string name)
    {
        var secret = MeteringWebhookSecrets.New();
        var result = await Change(state =>
        {
            if (!state.MeteringWebhooks.ContainsKey(name))
            {
                return NotFound("meteringWebhooks", name);
            }

            state.MeteringWebhookSecrets[name] = secret;
            return null;
        });
        return new KeyCreation { Result = result, Name = name, Secret = result.Succeeded ? secret : "", CreatedAt = _time.GetUtcNow() };
    }

    public Task<MeteringWebhook[]> GetMeteringWebhooks() =>
        Task.FromResult(State.MeteringWebhooks.Values.OrderBy(w => w.Name, StringComparer.Ordinal).ToArray());

    public Task<MeteringWebhookTarget?> GetMeteringWebhookTarget(string name) => Task.FromResult(
        State.MeteringWebhooks.TryGetValue(name, out var webhook) && State.MeteringWebhookSecrets.TryGetValue(name, out var secret)
            ? new MeteringWebhookTarget { Url = webhook.Url, Secret = secret }
            : null);

    /// <summary>
    /// Settles the use of the grants a change deletes, up to now, and closes their ledgers, before the change is
    /// stored: their Revoked entries take off only what was left. Answers the calls each grant's Used and Expired
    /// entries hold, or null when a grant's counter or ledger could not be reached: then the change is refused
    /// whole (a Revoked entry of what the grant held would leave its ledger below 0 by a use no one could read),
    /// and the ledgers closed so far are opened again.
    /// </summary>
    /// <remarks>
    /// The order, and what each failure leaves:
    /// <list type="number">
    /// <item>Each grant's ledger grain reads the counter and appends the Used entries up to now, then is closed for
    /// <paramref name="revision"/> (stored). The ledger writer's reminder settles through the same grain, so the
    /// two never interleave; a run of the writer that read the catalog before the deletion appends nothing to a
    /// closed ledger, and after the deletion the writer no longer sees the grant.</item>
    /// <item>The catalog is stored with the Revoked entries. If that fails, the ledgers are opened again; if that
    /// fails too, the writer opens one when it finds the grant in a catalog of <paramref name="revision"/> or later
    /// (the next catalog change): until then the grant's Used entries wait, and nothing is lost, as each Used entry
    /// holds what the counter counted since the one before.</item>
    /// <item>Frontends admit calls of the grant until their catalog no longer has it (the catalog is pushed to them
    /// at once). Those calls, and the calls counted after the counter was read, are spent from leases they hold or
    /// take in the meantime: the counter still counts them, the closed ledger does not bill them. At most what the
    /// grant had left; in steady state each frontend's lease.</item>
    /// </list>
    /// </remarks>
    private async Task<Dictionary<string, long>?> CloseLedgers(CatalogState previous, List<PackageGrant> deleted, long revision)
    {
        var settled = new Dictionary<string, long>(StringComparer.Ordinal);
        if (deleted.Count == 0)
        {
            return settled;
        }

        // Each grant's ledger is a grain of its own: a replace-import that drops many grants closes them side by side.
        var allowances = PackageAllowances.Of(previous).ToDictionary(a => a.Grant, StringComparer.Ordinal);
        var closing = deleted.Select(async grant =>
        {
            try
            {
                var zone = previous.Subscriptions.GetValueOrDefault(grant.App)?.TimeZone;
                return (grant.Id, Calls: (long?)await GrainFactory.GetGrain<IPackageLedgerGrain>(GrainKeys.PackageLedger(grant.Id))
                    .Close(allowances[grant.Id], zone, revision));
            }
            catch (Exception e)
            {
                LogLedgerCloseFailed(e, grant.Id);
                return (grant.Id, Calls: (long?)null);
            }
        });
        foreach (var (id, calls) in await Task.WhenAll(closing))
        {
            if (calls is null)
            {
                // A grant whose call failed may have been closed all the same (an answer lost), and the others were.
                await ReopenLedgers(deleted, revision);
                return null;
            }

            settled[id] = calls.Value;
        }

        return settled;
    }

    private async Task ReopenLedgers(List<PackageGrant> grants, long revision) => await Task.WhenAll(grants.Select(async grant =>
    {
        try
        {
            await GrainFactory.GetGrain<IPackageLedgerGrain>(GrainKeys.PackageLedger(grant.Id)).Reopen(revision);
        }
        catch (Exception e)
        {
            // The ledger writer opens it when it next finds the grant in a later catalog.
            LogLedgerReopenFailed(e, grant.Id);
        }
    }));

    [LoggerMessage(EventId = LogEvents.LedgerCloseFailed, Level = LogLevel.Warning,
        Message = "The use of package grant {Grant} could not be settled for its deletion; the change was refused")]
    private partial void LogLedgerCloseFailed(Exception exception, string grant);

    [LoggerMessage(EventId = LogEvents.LedgerReopenFailed, Level = LogLevel.Warning,
        Message = "The ledger of package grant {Grant} stays closed for a deletion that was not stored; the ledger writer opens it on its next run after a catalog change")]
    private partial void LogLedgerReopenFailed(Exception exception, string grant);

    /// <summary>An app that is billed keeps its subscription and grants until they are deleted on purpose.</summary>
    private static CatalogResult? BillingOf(CatalogState state, string app)
    {
        var held = state.PackageGrants.Values.Where(g => g.App == app).Select(g => "grant " + g.Id).Order(StringComparer.Ordinal).ToList();
        if (state.Subscriptions.ContainsKey(app))
        {
            held.Insert(0, "its subscription");
        }

        return held.Count > 0
            ? Invalid($"apps[{app}]", "AppBilled", $"the app is still billed: delete {string.Join(", ", held)} first")
            : null;
    }
}
