using Gateway.Catalog;
using Gateway.Frontend.Errors;

namespace Gateway.Frontend.Routing;

/// <summary>
/// Settles the stage before routing: an unknown X-Ca-Stage is refused, and a request without one goes to
/// RELEASE. Routes match the stage as a header (ignoring case), so routing stays one lookup.
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

        // A valid stage in any letter case is left exactly as sent: routes match it without regard to case,
        // and a client may have signed the header's value (X-Ca-Signature-Headers) as it wrote it.
        if (values.Count == 1 && StageName.TryNormalize(values[0], out _))
        {
            return next(context);
        }

        return GatewayErrorWriter.WriteAsync(context, GatewayError.InvalidStage, $"got '{values}'");
    });
}
