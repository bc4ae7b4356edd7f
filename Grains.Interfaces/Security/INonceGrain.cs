namespace Gateway.Security;

/// <summary>
/// Remembers the X-Ca-Nonce values one AppKey has used (one shard of them), so that a signed request is
/// accepted once across the whole cluster, whichever frontend sees it. Key: <see cref="GrainKeys.Nonce"/>.
/// </summary>
[Alias("gw.security.INonceGrain")]
public interface INonceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the nonce and says whether it was new. It is remembered until <paramref name="keepUntil"/>
    /// (the request's timestamp plus the 15-minute window, so that it is never accepted again while the
    /// timestamp would still pass).
    /// </summary>
    [Alias("TryUse")] Task<NonceDecision> TryUse(string nonce, DateTimeOffset keepUntil);
}

/// <summary>The nonce grain's answer: <see cref="Accepted"/> false means the nonce was seen before.</summary>
[GenerateSerializer, Immutable, Alias("gw.security.NonceDecision")]
public sealed record NonceDecision([property: Id(0)] bool Accepted);
