namespace Gateway.Frontend;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            await using var host = await FrontendHost.CreateAsync(args);
            await host.RunAsync();
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException)
        {
            // Configuration mistakes and ports already taken: say what is wrong, without a stack trace, and exit non-zero.
            Console.Error.WriteLine($"gateway-frontend: {e.Message}");
            return 2;
        }
    }
}
