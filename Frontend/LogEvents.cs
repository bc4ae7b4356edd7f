namespace Gateway.Frontend;

/// <summary>Event ids of the frontend's log messages, kept in one place so that they stay unique.</summary>
internal static class LogEvents
{
    public const int CatalogApplied = 2001;
    public const int CatalogSyncFailed = 2002;
    public const int CatalogSubscribeFailed = 2003;
    public const int Listening = 2101;

    // Parameters and mock (issue 5): 2600-2699.
    public const int ParameterPlanFailed = 2601;
    public const int ParametersRefused = 2602;
    public const int BodyRefused = 2603;
    public const int MockAnswered = 2604;
}
