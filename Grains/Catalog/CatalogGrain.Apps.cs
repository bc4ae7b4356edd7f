using System.Security.Cryptography;

namespace Gateway.Catalog;

/// <summary>Apps, their keys, grants and backend signing keys. Same rules as every change: copy, validate, store, announce.</summary>
public sealed partial class CatalogGrain
{
    public Task<CatalogResult> UpsertApp(App app)
    {
        app = CatalogNormalizer.Normalize(app);
        return Change(state =>
        {
            state.Apps[app.Id] = app;
            return null;
        });
    }

    /// <summary>Deletes the app with its keys and grants: its calls stop on every frontend with the next snapshot.</summary>
    public Task<CatalogResult> DeleteApp(string id) => Change(state =>
    {
        if (!state.Apps.ContainsKey(id))
        {
            return NotFound("apps", id);
        }

        // Refuse before removing, so that the answer names the cause rather than its consequences.
        if (BillingOf(state, id) is { } billed)
        {
            return billed;
        }

        state.Apps.Remove(id);

        CatalogImport.RemoveWhere(state.AppKeys, k => k.App == id);
        CatalogImport.RemoveWhere(state.Grants, g => g.App == id);
        return null;
    });

    public async Task<KeyCreation> CreateAppKey(string appId, AppKeyImport? existing)
    {
        AppKey? created = null;
        var result = await Change(state =>
        {
            if (!state.Apps.ContainsKey(appId))
            {
                return NotFound("apps", appId);
            }

            string key;
            if (existing is not null)
            {
                key = (existing.AppKey ?? "").Trim();
                if (state.AppKeys.ContainsKey(key))
                {
                    return Invalid($"apps[{appId}].keys[{key}]", "Duplicate", $"the AppKey '{key}' is already in use");
                }
            }
            else
            {
                do
                {
                    key = NewAppKey();
                }
                while (state.AppKeys.ContainsKey(key));
            }

            // The validator checks an imported pair like any other: AppKey shape, secret length.
            created = new AppKey { Key = key, App = appId, Secret = existing?.AppSecret ?? NewSecret(), CreatedAt = _time.GetUtcNow() };
            state.AppKeys[key] = created;
            return null;
        });

        return result.Succeeded && created is not null
            ? new KeyCreation { Result = result, Name = created.Key, Secret = created.Secret, CreatedAt = created.CreatedAt }
            : new KeyCreation { Result = result };
    }

    public Task<CatalogResult> DeleteAppKey(string appId, string key) => Change(state =>
        state.AppKeys.TryGetValue(key, out var found) && found.App == appId && state.AppKeys.Remove(key)
            ? null
            : NotFound($"apps[{appId}].keys", key));

    public Task<AppView[]> GetApps() => Task.FromResult(State.Apps.Values
        .OrderBy(a => a.Id, StringComparer.Ordinal)
        .Select(ToView)
        .ToArray());

    public Task<AppView?> GetApp(string id) => Task.FromResult(State.Apps.TryGetValue(id, out var app) ? ToView(app) : null);

    public Task<CatalogResult> Grant(AppGrant grant)
    {
        grant = CatalogNormalizer.Normalize(grant);
        return Change(state =>
        {
            if (!state.Apps.ContainsKey(grant.App))
            {
                return NotFound("apps", grant.App);
            }

            state.Grants[grant.GetKey()] = grant;
            return null;
        });
    }

    public Task<CatalogResult> Revoke(string appId, string apiId, string stage) => Change(state =>
    {
        if (!StageName.TryNormalize(stage, out var canonical))
        {
            return UnknownStage(stage);
        }

        var key = AppGrant.KeyOf(appId, apiId, canonical);
        return state.Grants.Remove(key) ? null : NotFound("grants", key);
    });

    public Task<AppGrant[]?> GetGrants(string appId) => Task.FromResult(
        State.Apps.ContainsKey(appId)
            ? State.Grants.Values.Where(g => g.App == appId).OrderBy(g => g.GetKey(), StringComparer.Ordinal).ToArray()
            : null);

    public async Task<KeyCreation> CreateBackendSigningKey(string backend, string name, string? secret)
    {
        BackendSigningKey? created = null;
        var result = await Change(state =>
        {
            if (!state.Backends.ContainsKey(backend))
            {
                return NotFound("backends", backend);
            }

            var key = BackendSigningKey.KeyOf(backend, name);
            if (state.BackendSigningKeys.ContainsKey(key))
            {
                // Replacing a secret in place would break every backend that holds the old one: rotate by name instead.
                return Invalid($"backends[{backend}].signingKeys[{name}]", "Duplicate", $"the backend already has a signing key '{name}'; add a key with a new name and switch to it");
            }

            created = new BackendSigningKey { Backend = backend, Name = name, Secret = secret ?? NewSecret(), CreatedAt = _time.GetUtcNow() };
            state.BackendSigningKeys[key] = created;
            return null;
        });

        return result.Succeeded && created is not null
            ? new KeyCreation { Result = result, Name = created.Name, Secret = created.Secret, CreatedAt = created.CreatedAt }
            : new KeyCreation { Result = result };
    }

    public Task<CatalogResult> DeleteBackendSigningKey(string backend, string name) => Change(state =>
    {
        if (!state.BackendSigningKeys.Remove(BackendSigningKey.KeyOf(backend, name)))
        {
            return NotFound($"backends[{backend}].signingKeys", name);
        }

        return state.Backends.TryGetValue(backend, out var owner) && owner.SigningKey == name
            ? Invalid($"backends[{backend}].signingKeys[{name}]", "SigningKeyInUse", "the backend signs with this key; switch its signingKey to another key first")
            : null;
    });

    public Task<BackendSigningKeyInfo[]?> GetBackendSigningKeys(string backend) => Task.FromResult(
        State.Backends.ContainsKey(backend)
            ? State.BackendSigningKeys.Values.Where(k => k.Backend == backend).OrderBy(k => k.Name, StringComparer.Ordinal).Select(k => k.ToInfo()).ToArray()
            : null);

    private AppView ToView(App app) => new()
    {
        App = app,
        Keys = [.. State.AppKeys.Values.Where(k => k.App == app.Id).OrderBy(k => k.CreatedAt).ThenBy(k => k.Key, StringComparer.Ordinal).Select(k => k.ToInfo())],
    };

    /// <summary>An AppKey: 16 random digits, the shape Java and other X-Ca SDKs expect (they are not secret).</summary>
    private static string NewAppKey() =>
        string.Create(16, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('0' + RandomNumberGenerator.GetInt32(i == 0 ? 1 : 0, 10));
            }
        });

    /// <summary>A secret: 32 bytes from the CSPRNG, Base64url without padding (43 characters).</summary>
    private static string NewSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
