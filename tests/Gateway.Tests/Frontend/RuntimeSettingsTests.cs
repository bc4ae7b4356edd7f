using System.Text.Json;

namespace Gateway.Tests.Frontend;

/// <summary>The runtime settings the frontend ships with, in its runtimeconfig.json (README: Running on Kubernetes, CPU).</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void Idle_thread_pool_workers_do_not_spin()
    {
        // Built next to the tests, as it is published into the image.
        var path = Path.Combine(AppContext.BaseDirectory, "Gateway.Frontend.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
