namespace Gateway.Tests.Console;

/// <summary>The console's front-end logic (roles, wizard, debug form, diff, charts), tested by Vitest in console/src.</summary>
public sealed class ConsoleComponentTests
{
    [Fact]
    public async Task The_consoles_vitest_suite_passes()
    {
        var (exit, output) = await ConsoleScripts.RunAsync("node_modules/vitest/vitest.mjs run", new Dictionary<string, string>(), TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, output);
        Assert.Contains("passed", output);
        Assert.DoesNotContain("failed", output.Replace("0 failed", ""));
    }
}
