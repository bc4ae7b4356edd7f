using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Real callers from distinct addresses without leaving the machine: on Linux every 127.x.y.z address is
/// the loopback interface, so a socket bound to one connects to the gateway with that peer address.
/// </summary>
public static class LoopbackCallers
{
    private static readonly HttpRequestOptionsKey<IPAddress> LocalAddress = new("local-address");

    /// <summary>127.1.x.y for n = 0, 1, 2, ... (up to 65,535 callers).</summary>
    public static IPAddress Address(int n) => new([127, 1, (byte)(n >> 8), (byte)(n & 0xFF)]);

    /// <summary>
    /// A client whose every request connects afresh from the address set with <see cref="From"/> (default
    /// 127.0.0.1), so that each request's peer is the caller it says.
    /// </summary>
    public static HttpClient Client(Uri gateway) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var local = context.InitialRequestMessage.Options.TryGetValue(LocalAddress, out var address) ? address : IPAddress.Loopback;
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = gateway,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A GET sent from <paramref name="caller"/> on a connection of its own.</summary>
    public static HttpRequestMessage From(IPAddress caller, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Options.Set(LocalAddress, caller);
        request.Headers.ConnectionClose = true;
        return request;
    }
}
