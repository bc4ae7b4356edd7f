namespace Gateway.Hosting;

/// <summary>Event ids of the shared hosting's log messages (the silo's range, where they were first written).</summary>
internal static class LogEvents
{
    public const int ShutdownDraining = 1401;
    public const int IdleMemoryTrimmed = 1701;
}
