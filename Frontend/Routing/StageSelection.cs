using Gateway.Catalog;
using Gateway.Frontend.Errors;

namespace Gateway.Frontend.Routing;

/// <summary>
/// Settles the stage before routing: X-Ca-Stage in any case becomes its canonical name, and a request
/// without one goes to RELEASE. Routes match the stage as an exact header, so routing stays one lookup.
/// </summary>
public static class StageSelection
{
    public const string Header = "X-Ca-Stage";

    /// <summary>Belongs after request ids and before routing.</summary>
    public static IApplicationBuilder UseStageSelection(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Request.Headers;
        var values = headers[Header];
        if (values.Count == 0)
        {
            headers[Header] = StageName.Default;
            return next(context);
        }

        if (values.Count == 1 && StageName.TryNormalize(values[0], out var stage))
        {
            headers[Header] = stage;
            return next(context);
        }

        return GatewayErrorWriter.WriteAsync(context, GatewayError.InvalidStage, $"got '{values}'");
    });
}
