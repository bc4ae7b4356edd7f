namespace Gateway;

/// <summary>
/// The clock grains read catalog and window times from, registered as a keyed <see cref="TimeProvider"/>.
/// It is separate from the TimeProvider Orleans itself uses, so that tests can stop or advance the
/// gateway's clock without stalling the runtime's own timeouts.
/// </summary>
public static class GatewayTime
{
    public const string Key = "gateway";
}
