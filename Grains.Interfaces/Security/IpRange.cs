using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Gateway.Security;

/// <summary>
/// An address or CIDR range, parsed once. IPv4-mapped IPv6 forms ('::ffff:10.0.0.1', '::ffff:10.0.0.0/104')
/// become their IPv4 form, so that rules and clients compare in one family.
/// </summary>
public readonly record struct IpRange(IPAddress Network, int PrefixLength)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out IpRange? range, out string problem)
    {
        range = null;
        problem = "";
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            problem = "is empty";
            return false;
        }

        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%'))
        {
            problem = $"'{text}' is not an IPv4 or IPv6 address or CIDR range";
            return false;
        }

        var bits = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            problem = $"'{text}' has a bad prefix length (0-{bits})";
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            if (prefix < 96)
            {
                problem = $"'{text}' is an IPv4-mapped range shorter than /96";
                return false;
            }

            address = address.MapToIPv4();
            prefix -= 96;
        }

        range = new IpRange(Mask(address, prefix), prefix);
        return true;
    }

    /// <summary>The address in the family rules use: IPv4-mapped IPv6 as IPv4.</summary>
    public static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>True when <paramref name="address"/> (in canonical form) lies in the range.</summary>
    public bool Contains(IPAddress address)
    {
        if (address.AddressFamily != Network.AddressFamily)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> n = stackalloc byte[16];
        address.TryWriteBytes(a, out var length);
        Network.TryWriteBytes(n, out _);
        var full = PrefixLength / 8;
        if (!a[..full].SequenceEqual(n[..full]))
        {
            return false;
        }

        var rest = PrefixLength % 8;
        if (rest == 0 || full >= length)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (a[full] & mask) == n[full];
    }

    public override string ToString() => $"{Network}/{PrefixLength}";

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
