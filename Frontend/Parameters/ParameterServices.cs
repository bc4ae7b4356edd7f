namespace Gateway.Frontend.Parameters;

public static class ParameterServices
{
    /// <summary>Registers the validation settings (plans are compiled with the catalog).</summary>
    public static IServiceCollection AddRequestParameters(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(ParameterSettings.From(configuration));
        return services;
    }
}
