namespace Gateway.Security;

/// <summary>
/// Which client addresses may call an API or a group's APIs. A deny entry always refuses; when there are
/// allow entries, the client must match one of them. Group and API rules both apply: the group is the outer fence.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.security.IpAccessControl")]
public sealed record IpAccessControl
{
    /// <summary>Optional. Addresses or CIDR ranges that may call; empty means every address not denied.</summary>
    [Id(0)] public IpAllowEntry[] Allow { get; init; } = [];

    /// <summary>Optional. Addresses or CIDR ranges that may never call, whatever the allow list says.</summary>
    [Id(1)] public string[] Deny { get; init; } = [];
}

/// <summary>One allow entry: an IPv4/IPv6 address or CIDR range, optionally only for one app.</summary>
[GenerateSerializer, Immutable, Alias("gw.security.IpAllowEntry")]
public sealed record IpAllowEntry
{
    /// <summary>Required. Such as '203.0.113.7', '10.0.0.0/8', '2001:db8::/32'.</summary>
    [Id(0)] public string Address { get; init; } = "";

    /// <summary>Optional. The app id this entry admits; the entry then admits only calls authenticated as that app.</summary>
    [Id(1)] public string? App { get; init; }
}
