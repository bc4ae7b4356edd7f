namespace Gateway.Hosting;

/// <summary>Optional. <c>Memory:IdleTrimSeconds</c>: how often an idle process is checked for memory to give back (default 30; 0 turns it off).</summary>
public sealed record MemorySettings
{
    public const string Section = "Memory";

    public int IdleTrimSeconds { get; init; } = 30;

    /// <summary>Optional. Below this much committed managed memory nothing is trimmed (default 64 MiB).</summary>
    public long MinCommittedBytes { get; init; } = 64L << 20;

    public static MemorySettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<MemorySettings>() ?? new MemorySettings();
}

/// <summary>
/// Gives memory back once a burst is over. The GC frees and decommits memory only when it collects, and an idle
/// process allocates too little to trigger a collection: after a burst of large bodies or imports the heap keeps
/// its peak (large object heap garbage, empty regions) for as long as the process stays quiet. When a check
/// interval saw almost no allocation and the committed heap has grown by more than a quarter since the last trim,
/// one aggressive full collection compacts and decommits it. Busy processes are left to the GC's own heuristics.
/// </summary>
internal sealed partial class IdleMemoryTrim(MemorySettings settings, TimeProvider time, ILogger<IdleMemoryTrim> logger) : BackgroundService
{
    /// <summary>Less allocation than this in a whole interval counts as idle.</summary>
    private const long IdleAllocationBytes = 16L << 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.IdleTrimSeconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.IdleTrimSeconds), time);
        var allocated = GC.GetTotalAllocatedBytes();
        long trimmedTo = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = GC.GetTotalAllocatedBytes();
                var idle = now - allocated < IdleAllocationBytes;
                allocated = now;
                var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
                if (!idle || committed < settings.MinCommittedBytes || committed <= trimmedTo + trimmedTo / 4)
                {
                    continue;
                }

                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                NativeHeap.Trim();
                trimmedTo = GC.GetGCMemoryInfo().TotalCommittedBytes;
                allocated = GC.GetTotalAllocatedBytes();
                LogTrimmed(committed >> 20, trimmedTo >> 20);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = LogEvents.IdleMemoryTrimmed, Level = LogLevel.Information, Message = "Idle: gave memory back, managed heap committed {BeforeMiB} MiB -> {AfterMiB} MiB")]
    private partial void LogTrimmed(long beforeMiB, long afterMiB);
}

/// <summary>
/// glibc keeps memory freed by native code (sockets, TLS, compression) in its arenas; <c>malloc_trim</c> returns it
/// to the system. Elsewhere (musl, Windows, macOS) there is nothing to call, and nothing is done.
/// </summary>
internal static class NativeHeap
{
    private static bool s_unavailable = !OperatingSystem.IsLinux();

    public static void Trim()
    {
        if (s_unavailable)
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            s_unavailable = true;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}

/// <summary>Registers <see cref="IdleMemoryTrim"/>.</summary>
public static class IdleMemoryTrimExtensions
{
    public static IServiceCollection AddIdleMemoryTrim(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(MemorySettings.From(configuration));
        services.AddHostedService<IdleMemoryTrim>();
        return services;
    }
}
