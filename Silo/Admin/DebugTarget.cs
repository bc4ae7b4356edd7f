using Gateway.Debugging;

namespace Gateway.Silo.Admin;

/// <summary>
/// Where the Debug API sends its calls: a real frontend, so that a debug call passes the real pipeline. The
/// embedded default points it at its own frontend; a cluster configures <c>Debug:FrontendAddress</c>.
/// </summary>
public sealed class DebugTarget
{
    /// <summary>The frontend's plain HTTP address; null until known.</summary>
    public Uri? Address { get; set; }

    /// <summary>The key debug tickets are made with (<c>Debug:Key</c>), the same on every frontend.</summary>
    public string? Key { get; init; }

    /// <summary>Reads the settings; a key that is too short or an address that is not absolute HTTP stops the start.</summary>
    public static DebugTarget From(IConfiguration configuration)
    {
        var key = configuration["Debug:Key"];
        if (!string.IsNullOrEmpty(key) && key.Length < DebugTicket.MinKeyLength)
        {
            throw new InvalidOperationException($"Debug:Key must be at least {DebugTicket.MinKeyLength} characters");
        }

        Uri? address = null;
        if (configuration["Debug:FrontendAddress"] is { Length: > 0 } text
            && (!Uri.TryCreate(text, UriKind.Absolute, out address) || address.Scheme is not ("http" or "https")))
        {
            throw new InvalidOperationException($"Debug:FrontendAddress '{text}' is not an absolute http:// or https:// address");
        }

        return new() { Address = address, Key = key };
    }
}
