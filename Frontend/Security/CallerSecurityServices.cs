using Gateway.Frontend.Security.BackendSignature;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Frontend.Security;

public static class CallerSecurityServices
{
    /// <summary>App signature, grants and backend signing (issue 3, part A).</summary>
    public static IServiceCollection AddAppSignature(this IServiceCollection services)
    {
        // The gateway's clock (timestamps, grant expiry); a test may register its own first.
        services.TryAddKeyedSingleton(GatewayTime.Key, TimeProvider.System);
        services.AddSingleton<CallerDirectoryCache>();
        services.AddSingleton<ITransformProvider, BackendSigningTransformProvider>();
        return services;
    }
}
