using Gateway.Frontend.Security.BackendSignature;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Frontend.Security;

public static class CallerSecurityServices
{
    /// <summary>App signature, grants and backend signing (issue 3, part A).</summary>
    public static IServiceCollection AddAppSignature(this IServiceCollection services)
    {
        services.AddSingleton<CallerDirectoryCache>();
        services.AddSingleton<ITransformProvider, BackendSigningTransformProvider>();
        return services;
    }
}
