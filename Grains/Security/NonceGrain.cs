using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Security;

/// <summary>
/// The nonces one shard of an AppKey has used, in memory. One activation per key in the cluster makes the
/// check exact whichever frontend asks. Memory only: a silo loss forgets the shard's nonces, which the
/// ±15-minute timestamp window bounds; entries expire on their own, so memory stays bounded by the call rate.
/// </summary>
[CollectionAgeLimit(Minutes = 20)] // outlive the window, so that an idle shard does not forget nonces
public sealed class NonceGrain([FromKeyedServices(GatewayTime.Key)] TimeProvider time) : Grain, INonceGrain
{
    /// <summary>Every nonce is kept at least this long after it is first seen, whatever the frontend's clock says.</summary>
    private static readonly TimeSpan MinKeep = TimeSpan.FromMinutes(15);

    /// <summary>No entry is kept longer than this, whatever a caller asks.</summary>
    private static readonly TimeSpan MaxKeep = TimeSpan.FromMinutes(31);

    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _expiries = new();

    public Task<NonceDecision> TryUse(string nonce, DateTimeOffset keepUntil)
    {
        var now = time.GetUtcNow();
        Prune(now);
        if (_seen.TryGetValue(nonce, out var until) && until > now)
        {
            return Task.FromResult(new NonceDecision(false));
        }

        var keep = keepUntil < now + MinKeep ? now + MinKeep : keepUntil > now + MaxKeep ? now + MaxKeep : keepUntil;
        _seen[nonce] = keep;
        _expiries.Enqueue(nonce, keep);
        return Task.FromResult(new NonceDecision(true));
    }

    private void Prune(DateTimeOffset now)
    {
        while (_expiries.TryPeek(out var nonce, out var expiry) && expiry <= now)
        {
            _expiries.Dequeue();

            // The nonce may have been used again later with a later expiry; only drop the entry that expired.
            if (_seen.TryGetValue(nonce, out var current) && current <= now)
            {
                _seen.Remove(nonce);
            }
        }
    }
}
