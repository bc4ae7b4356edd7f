namespace Gateway.Frontend.Throttling;

/// <summary>
/// Whether this frontend is connected to the cluster at all. A policy's fail-open or fail-closed rule is
/// for a cluster out of reach; a single lost silo is not that: its counters come back from storage on
/// another silo within seconds, and admitting on a local guess meanwhile could exceed the limit.
/// </summary>
public sealed class ClusterConnection(ThrottlingSettings settings) : IClusterConnectionStatusObserver
{
    private long _lostSince;

    /// <summary>
    /// True once no gateway of the cluster has been connected for the grace period (never in the embedded
    /// mode, whose silo is in-process). The grace keeps a silo's death, during which the client may briefly
    /// count no gateway, from being taken for the loss of the whole cluster.
    /// </summary>
    public bool IsLost
    {
        get
        {
            var since = Interlocked.Read(ref _lostSince);
            return since != 0 && Environment.TickCount64 - since >= settings.UnreachableGraceMs;
        }
    }

    public void NotifyClusterConnectionLost() => Interlocked.CompareExchange(ref _lostSince, Environment.TickCount64, 0);

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways > 0)
        {
            Interlocked.Exchange(ref _lostSince, 0);
        }
        else
        {
            Interlocked.CompareExchange(ref _lostSince, Environment.TickCount64, 0);
        }
    }
}
