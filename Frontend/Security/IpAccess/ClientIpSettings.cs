using System.Net;
using Gateway.Security;

namespace Gateway.Frontend.Security.IpAccess;

/// <summary>Where the client's address comes from. Bound from <c>Frontend:ClientIp</c>.</summary>
public sealed record ClientIpSettings
{
    public const string Section = "Frontend:ClientIp";

    /// <summary>
    /// Optional. Addresses or CIDR ranges of proxies in front of the gateway. Only when the connection comes
    /// from one of them is X-Forwarded-For believed; otherwise anyone could claim any address.
    /// </summary>
    public string[] TrustedProxies { get; init; } = [];

    /// <summary>
    /// Optional. Which X-Forwarded-For entry is the client, counted from the right (default 1: the address
    /// the trusted proxy itself saw; 2 when two proxies each append one, and so on).
    /// </summary>
    public int ForwardedForHop { get; init; } = 1;

    /// <summary>The trusted proxies, parsed; a bad entry stops the frontend at start with a clear message.</summary>
    public IpRange[] ParseTrustedProxies()
    {
        if (ForwardedForHop < 1)
        {
            throw new InvalidOperationException($"{Section}:ForwardedForHop must be 1 or more, not {ForwardedForHop}");
        }

        return
        [
            .. TrustedProxies.Select(p => IpRange.TryParse(p, out var range, out var problem)
                ? range.Value
                : throw new InvalidOperationException($"{Section}:TrustedProxies: {problem}")),
        ];
    }

    public static ClientIpSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClientIpSettings>() ?? new ClientIpSettings();
}

/// <summary>Reads X-Forwarded-For strictly: every entry must be an address, with an optional port.</summary>
public static class ForwardedFor
{
    /// <summary>More entries than this is not a proxy chain; refuse rather than walk it.</summary>
    public const int MaxEntries = 64;

    public static bool TryParse(IReadOnlyList<string?> headerValues, List<IPAddress> entries, out string problem)
    {
        problem = "";
        foreach (var value in headerValues)
        {
            foreach (var raw in (value ?? "").Split(','))
            {
                var entry = raw.Trim();
                if (entries.Count == MaxEntries)
                {
                    problem = $"it has more than {MaxEntries} entries";
                    return false;
                }

                if (!TryParseEntry(entry, out var address))
                {
                    problem = $"entry {entries.Count + 1} ('{Printable(entry)}') is not an IPv4 or IPv6 address";
                    return false;
                }

                entries.Add(address);
            }
        }

        return true;
    }

    /// <summary>'203.0.113.7', '203.0.113.7:5123', '2001:db8::1', '[2001:db8::1]' or '[2001:db8::1]:443'.</summary>
    public static bool TryParseEntry(string entry, out IPAddress address)
    {
        address = IPAddress.None;
        var host = entry.AsSpan();
        if (host.StartsWith("["))
        {
            var close = host.IndexOf(']');
            if (close < 0 || !IsPortSuffix(host[(close + 1)..]))
            {
                return false;
            }

            host = host[1..close];
            return !host.Contains('%') && IPAddress.TryParse(host, out address!) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                && Canonicalize(ref address);
        }

        var colons = host.Count(':');
        if (colons == 1)
        {
            var colon = host.IndexOf(':');
            if (!IsPortSuffix(host[colon..]))
            {
                return false;
            }

            host = host[..colon];
        }

        if (colons > 1)
        {
            return !host.Contains('%') && IPAddress.TryParse(host, out address!) && Canonicalize(ref address);
        }

        // IPAddress.TryParse takes '10.1' and '0x0a.1.2.3'; a proxy writes four decimal parts.
        return IsDottedQuad(host) && IPAddress.TryParse(host, out address!);
    }

    private static bool Canonicalize(ref IPAddress address)
    {
        address = IpRange.Canonical(address);
        return true;
    }

    private static bool IsPortSuffix(ReadOnlySpan<char> rest) =>
        rest.IsEmpty || (rest[0] == ':' && rest.Length is > 1 and <= 6 && int.TryParse(rest[1..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= 65535);

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        var parts = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (part.Length is 0 or > 3 || !int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n > 255)
            {
                return false;
            }

            parts++;
        }

        return parts == 4;
    }

    private static string Printable(string entry)
    {
        var shown = entry.Length > 64 ? entry[..64] + "..." : entry;
        return new string([.. shown.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
    }
}
