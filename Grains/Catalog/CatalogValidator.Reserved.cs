using System.Net;
using System.Net.Sockets;

namespace Gateway.Catalog;

/// <summary>Paths the gateway keeps for itself, and backend addresses it will not forward to.</summary>
public static partial class CatalogValidator
{
    /// <summary>The AWS metadata service over IPv6 (fd00:ec2::254), outside fe80::/10.</summary>
    private static readonly IPAddress AwsMetadataV6 = IPAddress.Parse("fd00:ec2::254");

    /// <summary>Metadata services known by a host name (they resolve to 169.254.169.254 inside the cloud).</summary>
    private static readonly HashSet<string> MetadataHosts = new(["metadata.google.internal"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The path callers use (group base path + API path, '.' and '..' resolved as a client or proxy would) may
    /// not be, or lie under, one of <see cref="ReservedPaths"/>; a '{parameter}' segment matches any segment,
    /// since it would match the reserved one too.
    /// </summary>
    public static void ValidatePublicPath(string basePath, string path, string where, List<CatalogError> errors)
    {
        var composed = PathTemplate.Combine(basePath, path);
        var segments = NormalizedSegments(composed);
        foreach (var reserved in ReservedPaths)
        {
            var wanted = reserved.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Count >= wanted.Length
                && wanted.Select((segment, i) => IsParameter(segments[i]) || string.Equals(segments[i], segment, StringComparison.OrdinalIgnoreCase)).All(match => match))
            {
                errors.Add(new(where, "ReservedPath",
                    $"'{composed}' is, or lies under, {reserved}, which the gateway answers itself (reserved: {string.Join(", ", ReservedPaths)})"));
                return;
            }
        }
    }

    /// <summary>The path's segments after resolving '.' and '..' (RFC 3986 section 5.2.4); '..' above the root stays at the root.</summary>
    public static List<string> NormalizedSegments(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        return segments;
    }

    private static bool IsParameter(string segment) => segment.StartsWith('{') && segment.EndsWith('}');

    /// <summary>
    /// Link-local addresses (169.254.0.0/16, fe80::/10) hold the cloud's instance metadata service, which hands
    /// out credentials; a backend there would publish them. Host names are not resolved (DNS can change later):
    /// IP literals are checked, and the metadata host names clouds document.
    /// </summary>
    private static void CheckBackendAddress(Uri uri, string address, string where, CatalogSettings settings, List<CatalogError> errors)
    {
        if (settings.AllowLinkLocalBackends)
        {
            return;
        }

        if (MetadataHosts.Contains(uri.Host.TrimEnd('.')))
        {
            errors.Add(new(where, "LinkLocalAddress", $"'{address}' is a cloud-metadata address; set Catalog:AllowLinkLocalBackends to allow it"));
            return;
        }

        // Uri has already turned numeric forms (http://2852039166/, http://0xa9.0xfe.0xa9.0xfe/) into dotted ones.
        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip))
        {
            return;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        var bytes = ip.GetAddressBytes();
        var linkLocal = ip.AddressFamily == AddressFamily.InterNetwork
            ? bytes[0] == 169 && bytes[1] == 254
            : ip.IsIPv6LinkLocal || ip.Equals(AwsMetadataV6);
        if (linkLocal)
        {
            errors.Add(new(where, "LinkLocalAddress",
                $"'{address}' is a link-local or cloud-metadata address; set Catalog:AllowLinkLocalBackends to allow it"));
        }
    }
}
