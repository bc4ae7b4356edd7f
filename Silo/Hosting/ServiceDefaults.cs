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
            })
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Gateway.*")
                    .SetSampler(TraceSampler(configuration, otlp));
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });

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

    /// <summary>Maps /health/live, /health/ready and /metrics; they answer in every environment.</summary>
    /// <summary>
    /// Without an exporter new traces are not recorded: recording spans nobody receives costs every request
    /// its tags and timings for nothing. Their spans are still created, unrecorded, so the backend still gets a
    /// <c>traceparent</c> with the trace id and a span id of the gateway's. A caller's sampled flag is always
    /// followed, so that the services behind the gateway keep recording the caller's sampled traces. With an
    /// exporter, <c>Telemetry:TraceSampleRatio</c> (default 1) is the share of new traces recorded.
    /// </summary>
    private static Sampler TraceSampler(IConfiguration configuration, bool exported)
    {
        var ratio = exported ? Math.Clamp(configuration.GetValue("Telemetry:TraceSampleRatio", 1.0), 0, 1) : 0;
        return new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio));
    }

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
