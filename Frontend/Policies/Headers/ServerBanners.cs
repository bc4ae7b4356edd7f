using Yarp.ReverseProxy.Transforms;

namespace Gateway.Frontend.Policies.Headers;

/// <summary>
/// Headers that tell a caller which software answered (and so which known flaws to try). The gateway sends none of its
/// own (Kestrel's Server header is off), and drops a backend's.
/// </summary>
public static class ServerBanners
{
    public static readonly IReadOnlyList<string> Names = ["Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"];

    /// <summary>A response transform: the backend's banners never reach the caller.</summary>
    public static ValueTask RemoveFromBackendAnswer(ResponseTransformContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        // Indexed: a foreach over the interface would allocate an enumerator on every call.
        for (var i = 0; i < Names.Count; i++)
        {
            headers.Remove(Names[i]);
        }

        return ValueTask.CompletedTask;
    }
}
