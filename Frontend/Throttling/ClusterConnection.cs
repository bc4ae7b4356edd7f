namespace Gateway.Frontend.Throttling;

/// <summary>
/// Logs how many silos (gateways) the frontend's Orleans client is connected to, so that an operator can
/// tell a frontend cut off from the cluster from one whose quota grains fail for another reason (Redis).
/// It decides nothing: whether a policy fails open or closed is decided by the quota calls themselves
/// (<see cref="QuotaOutage"/>), because the count lags behind what the calls see in both directions.
/// </summary>
public sealed partial class ClusterConnection(ILogger<ClusterConnection> logger) : IClusterConnectionStatusObserver
{
    public void NotifyClusterConnectionLost()
    {
        // NotifyGatewayCountChanged(0, ...) follows and says it.
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways == 0)
        {
            LogNoGateway(previousNumberOfGateways);
        }
        else
        {
            LogGateways(currentNumberOfGateways, previousNumberOfGateways);
        }
    }

    [LoggerMessage(EventId = LogEvents.ClusterGatewaysLost, Level = LogLevel.Warning, Message = "Connected to no silo of the cluster (was {Previous}): quota calls fail until a connection is back")]
    private partial void LogNoGateway(int previous);

    [LoggerMessage(EventId = LogEvents.ClusterGatewaysChanged, Level = LogLevel.Information, Message = "Connected to {Current} silo(s) of the cluster (was {Previous})")]
    private partial void LogGateways(int current, int previous);
}
