namespace Gateway.Silo;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            await SiloApp.Build(args).RunAsync();
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException)
        {
            // Configuration mistakes and ports already taken: say what is wrong, without a stack trace, and exit non-zero.
            Console.Error.WriteLine($"gateway-silo: {e.Message}");
            return 2;
        }
    }
}
