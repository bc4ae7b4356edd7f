using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Silo.Hosting;

/// <summary>
/// What every host (silo and frontend) has: health endpoints, OpenTelemetry metrics and traces, and a
/// Prometheus <c>/metrics</c> endpoint. OTLP export is added only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// </summary>
public static class ServiceDefaults
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    public static IServiceCollection AddServiceDefaults(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        services.AddHealthChecks().AddCheck("process", () => HealthCheckResult.Healthy(), [LiveTag]);

        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    // Gateway.* holds the frontend's Gateway.Frontend (requests, latency, traffic, timeouts by API and stage).
                    .AddMeter("Microsoft.Orleans", "Yarp.ReverseProxy", "Gateway.*")
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });

        // Spans are recorded only to be exported. Without an exporter no tracer listens: ASP.NET Core's own
        // request activity still continues the caller's trace (or starts one, unsampled) and YARP passes it on
        // in traceparent, without the activities, tags and context copies a tracer adds to every request.
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Gateway.*")
                .SetSampler(TraceSampler(configuration))
                .AddOtlpExporter());
        }

        // Logs go through OpenTelemetry on every host, with their fields as attributes (the access log's
        // request id, API, status...), so that any log service that takes OTLP receives them structured.
        telemetry.WithLogging(
            logging =>
            {
                if (otlp)
                {
                    logging.AddOtlpExporter();
                }
            },
            options =>
            {
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
            });

        return services;
    }

    /// <summary>
    /// <c>Telemetry:TraceSampleRatio</c> (default 1) of new traces are recorded; a caller's sampled flag is always
    /// followed, so that the services behind the gateway keep recording the caller's sampled traces.
    /// </summary>
    private static Sampler TraceSampler(IConfiguration configuration) =>
        new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(configuration.GetValue("Telemetry:TraceSampleRatio", 1.0), 0, 1)));

    /// <summary>Maps /health/live, /health/ready and /metrics; they answer in every environment.</summary>
    public static IEndpointRouteBuilder MapServiceDefaults(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag) })
            .WithMetadata(HostEndpoint.Instance);
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) })
            .WithMetadata(HostEndpoint.Instance);
        endpoints.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(HostEndpoint.Instance);
        return endpoints;
    }
}

/// <summary>Marks the host's own endpoints (health, metrics), so that the frontend does not take them for missing APIs.</summary>
public sealed class HostEndpoint
{
    public static readonly HostEndpoint Instance = new();

    private HostEndpoint()
    {
    }
}
