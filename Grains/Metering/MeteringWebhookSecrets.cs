using System.Security.Cryptography;
using Gateway.Catalog;

namespace Gateway.Metering;

/// <summary>The signing secrets of metering webhooks: one per webhook, made here, never exported.</summary>
public static class MeteringWebhookSecrets
{
    /// <summary>32 random bytes, Base64url: what a receiver keys its HMAC-SHA256 with.</summary>
    public static string New() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Gives every webhook a secret and drops the secrets of webhooks that are gone, after a change that may add or
    /// remove webhooks in bulk (an import): an imported webhook never arrives with a secret.
    /// </summary>
    public static void Match(CatalogState state)
    {
        foreach (var name in state.MeteringWebhookSecrets.Keys.Where(n => !state.MeteringWebhooks.ContainsKey(n)).ToList())
        {
            state.MeteringWebhookSecrets.Remove(name);
        }

        foreach (var name in state.MeteringWebhooks.Keys.Where(n => !state.MeteringWebhookSecrets.ContainsKey(n)).ToList())
        {
            state.MeteringWebhookSecrets[name] = New();
        }
    }
}
