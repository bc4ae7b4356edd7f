namespace Gateway;

/// <summary>Event ids of the grains' log messages, kept in one place so that they stay unique.</summary>
internal static partial class LogEvents
{
    // Throttling (issue 4): 3500-3599
    public const int QuotaReset = 3501;
    public const int QuotaStoreFailed = 3502;
}
