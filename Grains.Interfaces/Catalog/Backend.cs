namespace Gateway.Catalog;

/// <summary>
/// Where APIs are forwarded to inside the cluster: an ingress controller's internal load balancer, or one
/// service's load balancer. Other gateways call this a VPC access authorization.
/// </summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.Backend")]
public sealed record Backend
{
    /// <summary>Required. Unique name that APIs refer to.</summary>
    [Id(0)] public string Name { get; init; } = "";

    /// <summary>Required. One or more absolute http(s) base addresses; requests are balanced across the healthy ones.</summary>
    [Id(1)] public string[] Addresses { get; init; } = [];

    /// <summary>Optional. The Host header sent to the backend, for an ingress controller that routes by host.</summary>
    [Id(2)] public string? HostHeader { get; init; }

    /// <summary>Optional. How long to wait for a TCP/TLS connection, in milliseconds (default 2000).</summary>
    [Id(3)] public int ConnectTimeoutMs { get; init; } = 2000;

    /// <summary>Optional. How long the backend may stay silent before the gateway answers 504, in milliseconds (default 30000).</summary>
    [Id(4)] public int RequestTimeoutMs { get; init; } = 30000;

    /// <summary>Optional. Active health checking of the addresses; an unhealthy address gets no traffic.</summary>
    [Id(5)] public BackendHealthCheck? HealthCheck { get; init; }

    /// <summary>
    /// Optional. The name of the backend's signing key the gateway signs forwarded requests with
    /// (X-Ca-Proxy-Signature); the key is created through the admin API first. None: requests are not signed.
    /// </summary>
    [Id(10)] public string? SigningKey { get; init; }
}

/// <summary>Active health check settings of a <see cref="Backend"/>.</summary>
[GenerateSerializer, Immutable, Alias("gw.catalog.BackendHealthCheck")]
public sealed record BackendHealthCheck
{
    /// <summary>Optional. Path probed with GET on each address (default '/').</summary>
    [Id(0)] public string Path { get; init; } = "/";

    /// <summary>Optional. Seconds between probes (default 10).</summary>
    [Id(1)] public int IntervalSeconds { get; init; } = 10;

    /// <summary>Optional. Seconds a probe may take (default 5).</summary>
    [Id(2)] public int TimeoutSeconds { get; init; } = 5;

    /// <summary>Optional. Consecutive failed probes that mark an address unhealthy (default 2).</summary>
    [Id(3)] public int UnhealthyThreshold { get; init; } = 2;
}
