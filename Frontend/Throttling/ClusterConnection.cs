namespace Gateway.Frontend.Throttling;

/// <summary>
/// Whether this frontend is connected to the cluster at all. A policy's fail-open or fail-closed rule is
/// for a cluster out of reach; a single lost silo is not that: its counters come back from storage on
/// another silo within seconds, and admitting on a local guess meanwhile could exceed the limit.
/// </summary>
public sealed class ClusterConnection : IClusterConnectionStatusObserver
{
    private volatile bool _lost;

    /// <summary>True while no gateway of the cluster is connected (never in the embedded mode, whose silo is in-process).</summary>
    public bool IsLost => _lost;

    public void NotifyClusterConnectionLost() => _lost = true;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        _lost = currentNumberOfGateways == 0;
}
