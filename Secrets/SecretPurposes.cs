namespace Gateway.Secrets;

/// <summary>
/// What each kind of stored secret is sealed for. The silo seals and the frontend opens with the same purpose,
/// so both sides name it here.
/// </summary>
public static class SecretPurposes
{
    public static string AppSecret(string appKey) => "app-secret/" + appKey;

    public static string BackendSigningSecret(string backend, string name) => "backend-signing-secret/" + backend + "/" + name;

    public static string TlsPrivateKey(string domain) => "tls-private-key/" + domain;

    public static string MeteringWebhookSecret(string name) => "metering-webhook-secret/" + name;
}
