using System.Net;

namespace Gateway.Throttling;

/// <summary>How callers are named in counter keys, the same on frontends and in the admin API.</summary>
public static class ThrottleSubjects
{
    /// <summary>An IPv4 caller seen through an IPv6 socket is the same caller as over IPv4.</summary>
    public static string Ip(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
