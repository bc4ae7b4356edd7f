using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>Free loopback ports for servers that cannot bind port 0 themselves (Orleans, redis-server).</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Handed)
            {
                // Never hand out the same port twice in one test run, even if it is free again.
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
