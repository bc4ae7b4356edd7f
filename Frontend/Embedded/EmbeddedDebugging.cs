using Gateway.Debugging;
using Gateway.Silo.Admin;

namespace Gateway.Frontend.Embedded;

/// <summary>
/// The Debug API in the embedded default: the in-process admin host and frontend share a debug key drawn at
/// start (unless one is configured), and the admin host sends its debug calls to this frontend.
/// </summary>
public static class EmbeddedDebugging
{
    /// <summary>Gives the frontend's builder a key when none is configured, and the silo's builder the same one.</summary>
    public static Action<WebApplicationBuilder> ShareKey(WebApplicationBuilder frontend, Action<WebApplicationBuilder>? configure)
    {
        var key = frontend.Configuration["Debug:Key"];
        if (string.IsNullOrEmpty(key))
        {
            key = DebugTicket.NewKey();
            frontend.Configuration["Debug:Key"] = key;
        }

        return silo =>
        {
            configure?.Invoke(silo);
            if (string.IsNullOrEmpty(silo.Configuration["Debug:Key"]))
            {
                silo.Configuration["Debug:Key"] = key;
            }
        };
    }

    /// <summary>Once the frontend listens: the admin host's debug calls go to its first plain HTTP address, on loopback.</summary>
    public static void PointAdminAtFrontend(WebApplication? silo, WebApplication frontend)
    {
        if (silo is null || silo.Services.GetService<DebugTarget>() is not { } target || target.Address is not null)
        {
            return;
        }

        var address = frontend.Urls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal));
        if (address is not null)
        {
            target.Address = new Uri(address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1"));
        }
    }
}
