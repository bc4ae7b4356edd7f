namespace Gateway.Frontend.Parameters;

public static class ParameterServices
{
    /// <summary>Registers parameter plans and validation settings.</summary>
    public static IServiceCollection AddRequestParameters(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(ParameterSettings.From(configuration));
        services.AddSingleton<ParameterPlans>();
        return services;
    }
}
