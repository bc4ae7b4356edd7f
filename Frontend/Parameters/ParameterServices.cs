using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Frontend.Parameters;

public static class ParameterServices
{
    /// <summary>Registers parameter plans, validation settings and the forwarding transform; call next to AddReverseProxy.</summary>
    public static IServiceCollection AddRequestParameters(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(ParameterSettings.From(configuration));
        services.AddSingleton<ParameterPlans>();
        services.AddSingleton<ITransformProvider, ParameterForwarding>();
        return services;
    }
}
