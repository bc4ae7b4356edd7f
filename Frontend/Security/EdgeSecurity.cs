using Gateway.Frontend.Security.IpAccess;
using Gateway.Frontend.Security.OpenIdConnect;
using Gateway.Frontend.Security.Tls;

namespace Gateway.Frontend.Security;

/// <summary>Registers IP access control, HTTPS on the operators' certificates and OpenID Connect.</summary>
public static class EdgeSecurity
{
    public static WebApplicationBuilder AddEdgeSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(ClientIpSettings.From(builder.Configuration));
        services.AddSingleton(TlsSettings.From(builder.Configuration));
        services.AddSingleton<ServerCertificates>();
        services.AddSingleton(OpenIdConnectSettings.From(builder.Configuration));
        services.AddSingleton<IdentityProviderKeys>();
        services.AddSingleton<TokenValidator>();
        services.AddHostedService<JwksRefresher>();
        services.AddHttpClient(IdentityProviderKeys.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
