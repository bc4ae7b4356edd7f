using Gateway.Audit;
using Gateway.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace Gateway.Catalog;

/// <summary>
/// The single writer of a deployment's catalog. Every change is made on a copy of the state, the copy is
/// validated as a whole, and only a valid copy is stored and announced to frontends.
/// </summary>
public sealed partial class CatalogGrain : Grain, ICatalogGrain
{
    /// <summary>The state as storage holds it: every secret sealed (<see cref="CatalogSecrets"/>).</summary>
    private readonly IPersistentState<CatalogState> _state;
    private readonly TimeProvider _time;
    private readonly SecretKeyRing _secrets;
    private readonly ObserverManager<ICatalogObserver> _observers;
    private readonly CatalogSettings _settings;
    private readonly ILogger<CatalogGrain> _logger;
    private CatalogSnapshot? _snapshot;
    private CatalogState? _plain;

    public CatalogGrain(
        [PersistentState("catalog", StorageNames.Catalog)] IPersistentState<CatalogState> state,
        [FromKeyedServices(GatewayTime.Key)] TimeProvider time,
        IOptions<CatalogSettings> settings,
        SecretKeyRing secrets,
        ILogger<CatalogGrain> logger)
    {
        _state = state;
        _time = time;
        _settings = settings.Value;
        _logger = logger;
        _secrets = secrets;
        _observers = new ObserverManager<ICatalogObserver>(TimeSpan.FromMinutes(1), logger);
    }

    /// <summary>
    /// The state the grain works on, secrets in clear, opened once from storage. A key ring that cannot open a
    /// stored secret fails every call with <see cref="SecretKeyException"/>, which names the key.
    /// </summary>
    private CatalogState State => _plain ??= CatalogSecrets.Opened(_state.State, _secrets);

    public Task<CatalogResult> UpsertGroup(ApiGroup group)
    {
        group = CatalogNormalizer.Normalize(group);
        return Change(state =>
        {
            state.Groups[group.Name] = group;
            return null;
        });
    }

    public Task<CatalogResult> DeleteGroup(string name) => Change(state =>
    {
        if (!state.Groups.ContainsKey(name))
        {
            return NotFound("groups", name);
        }

        // Refuse before removing, so that the answer names the cause rather than its consequences.
        var users = state.Apis.Values.Where(a => a.Group == name).Select(a => a.Id).ToList();
        if (users.Count > 0)
        {
            return Invalid($"groups[{name}]", "GroupInUse", $"the group still holds APIs: {string.Join(", ", users)}");
        }

        state.Groups.Remove(name);
        RemovePolicyBindings(state, b => b.Group == name);
        return null;
    });

    public Task<CatalogResult> UpsertBackend(Backend backend)
    {
        backend = CatalogNormalizer.Normalize(backend);
        return Change(state =>
        {
            state.Backends[backend.Name] = backend;
            return null;
        });
    }

    public Task<CatalogResult> DeleteBackend(string name) => Change(state =>
    {
        if (!state.Backends.ContainsKey(name))
        {
            return NotFound("backends", name);
        }

        CatalogImport.RemoveWhere(state.BackendSigningKeys, k => k.Backend == name);

        var users = state.Apis.Values.Where(a => a.Backend == name).Select(a => a.Id).ToList();
        if (users.Count > 0)
        {
            return Invalid($"backends[{name}]", "BackendInUse", $"APIs still forward to this backend: {string.Join(", ", users)}");
        }

        state.Backends.Remove(name);
        return null;
    });

    public Task<CatalogResult> UpsertApi(ApiDefinition api)
    {
        api = CatalogNormalizer.Normalize(api);
        return Change(state =>
        {
            state.Apis[api.Id] = api;
            return null;
        });
    }

    public Task<CatalogResult> DeleteApi(string id) => Change(state =>
    {
        if (!state.Apis.Remove(id))
        {
            return NotFound("apis", id);
        }

        state.Versions.Remove(id);
        state.Deployments.Remove(id);
        RemoveThrottleBindings(state, id);
        RemovePolicyBindings(state, b => b.Api == id);
        CatalogImport.RemoveWhere(state.CachePurges, p => p.Api == id);
        return null;
    });

    public Task<CatalogResult> Publish(string apiId, string stage, string? remark)
    {
        int? published = null;
        return Change(state =>
        {
            if (!StageName.TryNormalize(stage, out var canonical))
            {
                return UnknownStage(stage);
            }

            if (!state.Apis.TryGetValue(apiId, out var draft))
            {
                return NotFound("apis", apiId);
            }

            published = PublishDraft(state, draft, canonical, remark);
            return null;
        }, () => published);
    }

    public Task<CatalogResult> TakeOffline(string apiId, string stage) => Change(state =>
    {
        if (!StageName.TryNormalize(stage, out var canonical))
        {
            return UnknownStage(stage);
        }

        if (!state.Apis.ContainsKey(apiId))
        {
            return NotFound("apis", apiId);
        }

        if (state.Deployments.GetValueOrDefault(apiId)?.Remove(canonical) != true)
        {
            return NotFound($"apis[{apiId}].stages", canonical);
        }

        return null;
    });

    public Task<CatalogResult> Rollback(string apiId, string stage, int version) => Change(state =>
    {
        if (!StageName.TryNormalize(stage, out var canonical))
        {
            return UnknownStage(stage);
        }

        if (!state.Apis.ContainsKey(apiId))
        {
            return NotFound("apis", apiId);
        }

        if (state.FindVersion(apiId, version) is not { } found)
        {
            return NotFound($"apis[{apiId}].versions", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // A stage goes back only to what it has served: a version tried in TEST never reaches RELEASE by a rollback.
        if (found.Stage != canonical)
        {
            return Invalid($"apis[{apiId}].versions[{version}]", "NotPublishedInStage",
                $"version {version} was published in {found.Stage}, not in {canonical}; publish the draft to {canonical} instead");
        }

        Deploy(state, apiId, canonical, version);
        return null;
    }, () => version);

    public Task<CatalogResult> Import(CatalogDocument document, CatalogImportMode mode) => Import(document, mode, dryRun: false);

    public Task<CatalogResult> PreviewImport(CatalogDocument document, CatalogImportMode mode) => Import(document, mode, dryRun: true);

    public Task<CatalogResult> ImportLocked(CatalogDocument document, CatalogImportMode mode, bool dryRun, string[] locked) =>
        Import(document, mode, dryRun, locked);

    private Task<CatalogResult> Import(CatalogDocument document, CatalogImportMode mode, bool dryRun, string[]? locked = null)
    {
        document = CatalogNormalizer.Normalize(document);
        return Change(
            state => CatalogImport.Apply(state, document, mode, (s, draft, stage, remark) => PublishDraft(s, draft, stage, remark), _time),
            dryRun: dryRun,
            locked: locked);
    }

    public async Task<CatalogResult> ImportSeed(CatalogDocument document, string digest)
    {
        if (State.SeedDigest == digest)
        {
            return CatalogResult.Ok(State.Revision);
        }

        document = CatalogNormalizer.Normalize(document);
        var result = await Change(state =>
        {
            state.SeedDigest = digest;
            return CatalogImport.Apply(state, document, CatalogImportMode.Merge, (s, draft, stage, remark) => PublishDraft(s, draft, stage, remark), _time);
        });
        if (result.Succeeded && State.SeedDigest != digest)
        {
            // The document held nothing new, so no revision was stored with the digest: store it alone, so that a
            // later start with this file does not merge it over edits made in between.
            await StoreSeedDigest(digest);
        }

        return result;
    }

    private async Task StoreSeedDigest(string digest)
    {
        var stored = _state.State.SeedDigest;
        _state.State.SeedDigest = digest;
        try
        {
            await _state.WriteStateAsync();
        }
        catch
        {
            _state.State.SeedDigest = stored;
            throw;
        }

        State.SeedDigest = digest;
    }

    public Task<CatalogDocument> Export() => Task.FromResult(CatalogImport.Export(State));

    public Task<ApiGroup[]> GetGroups() => Task.FromResult(State.Groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal).ToArray());

    public Task<Backend[]> GetBackends() => Task.FromResult(State.Backends.Values.OrderBy(b => b.Name, StringComparer.Ordinal).ToArray());

    public Task<ApiView[]> GetApis() => Task.FromResult(State.Apis.Values
        .OrderBy(a => a.Id, StringComparer.Ordinal)
        .Select(a => new ApiView
        {
            Draft = a,
            Stages = [.. ((IEnumerable<StageStatus>?)State.Deployments.GetValueOrDefault(a.Id)?.Values ?? []).OrderBy(s => s.Stage, StringComparer.Ordinal)],
        })
        .ToArray());

    public Task<ApiDefinition?> GetDraft(string apiId) => Task.FromResult(State.Apis.GetValueOrDefault(apiId));

    public Task<ApiVersion[]?> GetVersions(string apiId) => Task.FromResult(
        State.Apis.ContainsKey(apiId)
            ? (State.Versions.GetValueOrDefault(apiId) ?? []).AsEnumerable().Reverse().ToArray()
            : null);

    /// <summary>The published catalog for frontends, its secrets still sealed: frontends hold the key ring and open them.</summary>
    public Task<CatalogSnapshot> GetSnapshot()
    {
        if (_snapshot is null)
        {
            var plain = State;
            // Storage written before encryption holds secrets in clear: those go out sealed all the same.
            var stored = CatalogSecrets.CountByKey(_state.State).ContainsKey("") ? CatalogSecrets.Sealed(plain, _secrets) : _state.State;
            _snapshot = stored.ToSnapshot();
        }

        return Task.FromResult(_snapshot);
    }

    public Task<SecretsReport> GetSecretsReport() => Task.FromResult(Report());

    public async Task<SecretsReport> ReEncryptSecrets()
    {
        // Every write seals every secret with the active key: a change that edits nothing re-encrypts them all.
        _ = State;
        if (CatalogSecrets.CountByKey(_state.State).Keys.Any(id => id != _secrets.ActiveKeyId))
        {
            await Change(_ => null);
        }

        return Report();
    }

    private SecretsReport Report() => new()
    {
        Revision = State.Revision,
        ActiveKey = _secrets.ActiveKeyId,
        SealedByKey = CatalogSecrets.CountByKey(_state.State).Where(c => c.Key.Length > 0).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal),
        InClear = CatalogSecrets.CountByKey(_state.State).GetValueOrDefault(""),
    };

    public Task<long> GetRevision() => Task.FromResult(State.Revision);

    public Task Subscribe(ICatalogObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ICatalogObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private int PublishDraft(CatalogState state, ApiDefinition draft, string stage, string? remark)
    {
        var history = state.Versions.TryGetValue(draft.Id, out var list) ? list : state.Versions[draft.Id] = [];
        var number = history.Count == 0 ? 1 : history[^1].Version + 1;
        history.Add(new ApiVersion
        {
            Version = number,
            Stage = stage,
            Remark = remark ?? "",
            PublishedAt = _time.GetUtcNow(),
            Definition = draft,
        });
        Deploy(state, draft.Id, stage, number);
        return number;
    }

    private void Deploy(CatalogState state, string apiId, string stage, int version)
    {
        var stages = state.Deployments.TryGetValue(apiId, out var existing) ? existing : state.Deployments[apiId] = new(StringComparer.Ordinal);
        stages[stage] = new StageStatus { Stage = stage, Version = version, Since = _time.GetUtcNow() };
    }

    /// <summary>
    /// Applies <paramref name="edit"/> to a copy of the state. The edit returns a refusal of its own (not
    /// found, in use) or null; then the whole copy is validated, and only a valid copy that differs from the
    /// state is stored, announced, logged and audited. A dry run stops before storing.
    /// </summary>
    /// <param name="locked">Collections the change may not touch: a change that would is refused as <see cref="CatalogFailure.Forbidden"/>.</param>
    private async Task<CatalogResult> Change(Func<CatalogState, CatalogResult?> edit, Func<int?>? version = null, bool dryRun = false, string[]? locked = null)
    {
        var previous = State;
        var candidate = previous.Clone();
        var refusal = edit(candidate);
        if (refusal is { Failure: CatalogFailure.NotFound })
        {
            return refusal with { Revision = previous.Revision };
        }

        // Whatever changed the grants, the ledger records it in the same write.
        var now = _time.GetUtcNow();
        Metering.MeteringLedger.Complete(candidate);
        if (Metering.MeteringLedger.Reused(previous, candidate) is { Count: > 0 } reused)
        {
            return CatalogResult.Refused(CatalogFailure.Conflict, previous.Revision, reused);
        }

        var moved = Metering.MeteringLedger.Record(previous, candidate, now, AuditContext.Actor);

        // The edit's own objections and the whole-catalog rules together: every problem in one answer.
        var errors = refusal?.Errors.ToList() ?? [];
        errors.AddRange(moved);
        errors.AddRange(CatalogValidator.Validate(candidate, _settings));
        if (errors.Count > 0)
        {
            return CatalogResult.Refused(CatalogFailure.Invalid, previous.Revision, errors);
        }

        var changes = CatalogDiff.Between(previous, candidate);
        if (locked is { Length: > 0 } && changes.Where(c => locked.Contains(c.Collection)).ToList() is { Count: > 0 } forbidden)
        {
            return CatalogResult.Refused(CatalogFailure.Forbidden, previous.Revision,
                forbidden.Select(c => new CatalogError($"{c.Collection}[{c.Item}]", "RoleRequired", c.ToString())));
        }

        // The Revoked entries of deleted grants are written last, once their use is known; only they change the diff then.
        var deleted = Metering.MeteringLedger.Deleted(previous, candidate);
        if (dryRun || changes.Length == 0)
        {
            // Nothing differs (an unchanged export imported again): the revision stays, frontends keep their snapshot.
            // A dry run settles no grant's use: a grant it would delete shows as revoked whole.
            if (Metering.MeteringLedger.Revoke(deleted, candidate, null, now, AuditContext.Actor) > 0)
            {
                changes = CatalogDiff.Between(previous, candidate);
            }

            return CatalogResult.Ok(previous.Revision, version?.Invoke()) with { Changes = changes };
        }

        candidate.Revision = previous.Revision + 1;
        var settled = await CloseLedgers(previous, deleted, candidate.Revision);
        if (settled is null)
        {
            return CatalogResult.Refused(CatalogFailure.Unavailable, previous.Revision, deleted.Select(g => new CatalogError(
                $"packageGrants[{g.Id}]", "LedgerUnavailable", $"the use of grant '{g.Id}' up to its deletion could not be read from its counter")));
        }

        // Stamped after the use it leaves out was settled.
        if (Metering.MeteringLedger.Revoke(deleted, candidate, settled, _time.GetUtcNow(), AuditContext.Actor) > 0)
        {
            changes = CatalogDiff.Between(previous, candidate);
        }
        var stored = _state.State;
        _state.State = CatalogSecrets.Sealed(candidate, _secrets);
        try
        {
            await _state.WriteStateAsync();
        }
        catch
        {
            // Not stored means not changed: keep serving what is in storage, and the deleted grants' ledgers go on.
            _state.State = stored;
            await ReopenLedgers(deleted, candidate.Revision);
            throw;
        }

        _plain = candidate;

        _snapshot = null;
        var revision = candidate.Revision;
        await _observers.Notify(o => o.CatalogChanged(revision));
        await Audit(revision, changes);
        return CatalogResult.Ok(revision, version?.Invoke()) with { Changes = changes };
    }

    /// <summary>One log record and one audit record per change; a change already stored is not undone when the audit log is unreachable.</summary>
    private async Task Audit(long revision, CatalogChange[] changes)
    {
        var actor = AuditContext.Actor;
        var route = AuditContext.Route;
        LogChanged(revision, actor, route, string.Join("; ", changes.Select(c => c.ToString())));
        try
        {
            await GrainFactory.GetGrain<IAuditGrain>(GrainKeys.Audit).Record(new AuditRecord
            {
                At = _time.GetUtcNow(),
                Actor = actor,
                Route = route,
                Items = [.. changes.Select(c => $"{c.Collection}/{c.Item}").Distinct(StringComparer.Ordinal)],
                Changes = changes,
                Revision = revision,
            });
        }
        catch (Exception e)
        {
            LogAuditFailed(e, revision);
        }
    }

    [LoggerMessage(EventId = LogEvents.CatalogChanged, Level = LogLevel.Information,
        Message = "Catalog revision {Revision} by {Actor} ({Route}): {Changes}")]
    private partial void LogChanged(long revision, string actor, string route, string changes);

    [LoggerMessage(EventId = LogEvents.AuditFailed, Level = LogLevel.Error, Message = "Catalog revision {Revision} was stored but could not be added to the audit log")]
    private partial void LogAuditFailed(Exception exception, long revision);

    private static CatalogResult NotFound(string kind, string name) =>
        CatalogResult.Refused(CatalogFailure.NotFound, 0, [new CatalogError($"{kind}[{name}]", "NotFound", $"'{name}' does not exist")]);

    private static CatalogResult Invalid(string path, string code, string message) =>
        CatalogResult.Refused(CatalogFailure.Invalid, 0, [new CatalogError(path, code, message)]);

    private static CatalogResult UnknownStage(string stage) =>
        CatalogResult.Refused(CatalogFailure.Invalid, 0,
            [new CatalogError("stage", "UnknownStage", $"'{stage}' is not a stage; use one of {string.Join(", ", StageName.All)}")]);
}
