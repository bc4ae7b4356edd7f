namespace Gateway.Silo.Admin;

/// <summary>What an admin token may do; each role includes the ones below it.</summary>
public enum AdminRole
{
    /// <summary>Reads everything but secrets (which no admin call returns after creation): catalog, live quota state, monitoring, audit log.</summary>
    Viewer = 1,

    /// <summary>Also changes the catalog, apps, grants, identity providers, throttle policies and publishes; not keys, certificates or alert rules.</summary>
    Editor = 2,

    /// <summary>Everything: app keys, backend signing keys, TLS certificates, alert rules and their channels.</summary>
    Admin = 3,
}

/// <summary>The role a route needs, as endpoint metadata; a route without it needs viewer for GET and admin otherwise.</summary>
public sealed record RequiredAdminRole(AdminRole Role)
{
    /// <summary>What a route needs: its metadata, or the default by method, so that new read-only routes fall in place.</summary>
    public static AdminRole For(Endpoint? endpoint, string method) =>
        endpoint?.Metadata.GetMetadata<RequiredAdminRole>()?.Role
        ?? (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? AdminRole.Viewer : AdminRole.Admin);
}

public static class AdminRoleExtensions
{
    /// <summary>Declares the role the route needs (checked by the admin authentication filter).</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, AdminRole role)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RequiredAdminRole(role));

    /// <summary>The role's name as operators write it in configuration and see it in answers: 'viewer', 'editor', 'admin'.</summary>
    public static string Name(this AdminRole role) => role.ToString().ToLowerInvariant();
}
