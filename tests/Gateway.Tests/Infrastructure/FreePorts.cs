using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>Free loopback ports for servers that cannot bind port 0 themselves (Orleans, redis-server, a frontend).</summary>
/// <remarks>
/// The ports come from below the kernel's ephemeral range (ip_local_port_range, 32768 to 60999 by default), where
/// every outgoing connection takes its local port: a port found free there can be taken by one of the suite's many
/// connections before the server binds it ("address already in use"). Below it, only another listener can take it;
/// the ports are tried in random order, so that two test processes side by side rarely try the same one.
/// </remarks>
public static class FreePorts
{
    private const int Lowest = 10_000;

    private static readonly HashSet<int> Handed = [];

    private static readonly int BelowEphemeral = EphemeralStart();

    public static int Next()
    {
        while (true)
        {
            var port = Random.Shared.Next(Lowest, BelowEphemeral);
            lock (Handed)
            {
                // Never hand out the same port twice in one test run, even if it is free again.
                if (!Handed.Add(port))
                {
                    continue;
                }
            }

            if (IsFree(port))
            {
                return port;
            }
        }
    }

    /// <summary>Whether nothing listens on the port, on any address: a server may bind 127.0.0.1, 0.0.0.0 or [::].</summary>
    private static bool IsFree(int port)
    {
        try
        {
            if (Socket.OSSupportsIPv6)
            {
                using var any = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
                any.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            }
            else
            {
                using var any = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                any.Bind(new IPEndPoint(IPAddress.Any, port));
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (range.Length == 2 && int.TryParse(range[0], out var start) && start > Lowest + 5_000)
            {
                return start;
            }
        }
        catch (IOException)
        {
            // not Linux: the default range's start
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 32_768;
    }
}
