using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Frontend.Security;

public static class CallerSecurityServices
{
    /// <summary>App signature and grants.</summary>
    public static IServiceCollection AddAppSignature(this IServiceCollection services)
    {
        // The gateway's clock (timestamps, grant expiry); a test may register its own first.
        services.TryAddKeyedSingleton(GatewayTime.Key, TimeProvider.System);
        return services;
    }
}
