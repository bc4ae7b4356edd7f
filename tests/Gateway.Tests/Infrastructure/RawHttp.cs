using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Sends an HTTP/1.1 request written by hand over a real socket, for what HttpClient will not send, such as
/// one header on two lines.
/// </summary>
public static class RawHttp
{
    public sealed record Response(int Status, Dictionary<string, string> Headers, string Body);

    public static async Task<Response> SendAsync(Uri server, string method, string pathAndQuery, IEnumerable<(string Name, string Value)> headers)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var text = new StringBuilder($"{method} {pathAndQuery} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("\r\n");
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var all = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var split = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = all[..split].Split("\r\n");
        var status = int.Parse(head[0].Split(' ')[1]);
        var parsed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':');
            parsed[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        return new Response(status, parsed, all[(split + 4)..]);
    }
}
