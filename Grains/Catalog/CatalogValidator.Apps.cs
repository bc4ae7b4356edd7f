namespace Gateway.Catalog;

/// <summary>Rules for apps, their keys, grants, backend signing keys and the APIs' signature settings.</summary>
public static partial class CatalogValidator
{
    /// <summary>Secrets shorter than this are refused: an HMAC key that can be guessed protects nothing.</summary>
    public const int MinSecretLength = 16;

    public const int MaxSecretLength = 256;

    private const int MaxOwnerLength = 128;

    public static void ValidateCallerSecurity(CatalogState state, List<CatalogError> errors)
    {
        foreach (var app in state.Apps.Values)
        {
            ValidateApp(app, errors);
        }

        foreach (var key in state.AppKeys.Values)
        {
            var where = $"apps[{key.App}].keys[{key.Key}]";
            if (!state.Apps.ContainsKey(key.App))
            {
                errors.Add(new(where, "UnknownApp", $"the key belongs to app '{key.App}', which does not exist"));
            }

            if (key.Key.Length is 0 or > 64 || !key.Key.All(IsVisibleAscii))
            {
                errors.Add(new(where, "BadAppKey", "an AppKey is 1-64 visible ASCII characters"));
            }

            CheckSecret(key.Secret, where + ".secret", errors);
        }

        foreach (var grant in state.Grants.Values)
        {
            var where = $"grants[{grant.GetKey()}]";
            if (!state.Apps.ContainsKey(grant.App))
            {
                errors.Add(new(where + ".app", "UnknownApp", $"there is no app '{grant.App}'"));
            }

            if (!state.Apis.ContainsKey(grant.Api))
            {
                errors.Add(new(where + ".api", "UnknownApi", $"there is no API '{grant.Api}'; revoke its grants before deleting it"));
            }

            if (!StageName.TryNormalize(grant.Stage, out _))
            {
                errors.Add(new(where + ".stage", "UnknownStage", $"'{grant.Stage}' is not a stage; use one of {string.Join(", ", StageName.All)}"));
            }
        }

        foreach (var key in state.BackendSigningKeys.Values)
        {
            var where = $"backends[{key.Backend}].signingKeys[{key.Name}]";
            if (!state.Backends.ContainsKey(key.Backend))
            {
                errors.Add(new(where, "UnknownBackend", $"there is no backend '{key.Backend}'"));
            }

            CheckName(key.Name, where + ".name", errors);
            CheckSecret(key.Secret, where + ".secret", errors);
        }

        foreach (var backend in state.Backends.Values.Where(b => b.SigningKey is not null))
        {
            if (!state.BackendSigningKeys.ContainsKey(BackendSigningKey.KeyOf(backend.Name, backend.SigningKey!)))
            {
                errors.Add(new($"backends[{backend.Name}].signingKey", "UnknownSigningKey",
                    $"the backend has no signing key '{backend.SigningKey}'; create it with POST /v1/backends/{backend.Name}/signing-keys first"));
            }
        }

        foreach (var api in state.Apis.Values)
        {
            ValidateSignatureSettings(api, $"apis[{api.Id}]", errors);
        }
    }

    public static void ValidateApp(App app, List<CatalogError> errors)
    {
        var where = $"apps[{app.Id}]";
        CheckName(app.Id, where + ".id", errors);
        if (string.IsNullOrWhiteSpace(app.Name))
        {
            errors.Add(new(where + ".name", "Required", "an app needs a name"));
        }

        if (string.IsNullOrWhiteSpace(app.Owner))
        {
            errors.Add(new(where + ".owner", "Required", "an app needs an owner (the user or account it belongs to)"));
        }
        else if (app.Owner.Length > MaxOwnerLength || !app.Owner.All(IsVisibleAscii))
        {
            errors.Add(new(where + ".owner", "BadOwner", $"an owner is 1-{MaxOwnerLength} visible ASCII characters"));
        }
    }

    private static void ValidateSignatureSettings(ApiDefinition api, string where, List<CatalogError> errors)
    {
        foreach (var method in api.SignatureMethods.Where(m => !SignatureMethod.All.Contains(m, StringComparer.Ordinal)))
        {
            errors.Add(new(where + ".signatureMethods", "BadSignatureMethod", $"'{method}' is not one of {string.Join(", ", SignatureMethod.All)}"));
        }

        if (api.SignatureMethods.Distinct(StringComparer.Ordinal).Count() != api.SignatureMethods.Length)
        {
            errors.Add(new(where + ".signatureMethods", "DuplicateSignatureMethod", "a signature method is listed twice"));
        }
    }

    private static void CheckSecret(string secret, string where, List<CatalogError> errors)
    {
        // The message never repeats the secret.
        if (secret.Length is < MinSecretLength or > MaxSecretLength || !secret.All(IsVisibleAscii))
        {
            errors.Add(new(where, "BadSecret", $"a secret is {MinSecretLength}-{MaxSecretLength} visible ASCII characters"));
        }
    }

    private static bool IsVisibleAscii(char c) => c is > ' ' and <= '~';
}
