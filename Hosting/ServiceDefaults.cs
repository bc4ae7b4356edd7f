using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Hosting;

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
        services.AddIdleMemoryTrim(configuration);

        var otlp = ExportsTraces(configuration);
        var frameworkMetrics = configuration.GetValue("Telemetry:FrameworkMetrics", false);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                // Per connection or rarer: Kestrel's connections and TLS handshakes, handled exceptions, DNS.
                // Kestrel's queued-requests count moves twice for every HTTP/2 stream: left out with the
                // per-request instruments below.
                metrics.AddMeter("Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics", "System.Net.NameResolution")
                    .AddRuntimeInstrumentation()
                    // Gateway.* holds the frontend's Gateway.Frontend (requests, latency, traffic, timeouts by API and stage).
                    .AddMeter("Microsoft.Orleans", "Yarp.ReverseProxy", "Gateway.*")
                    .AddPrometheusExporter();

                // ASP.NET Core's and HttpClient's per-request instruments (server and client durations, active
                // requests, idle connections, routing, memory pool blocks) make about a dozen measurements per
                // proxied call, the gateway's largest telemetry cost in the benchmarks, and Gateway.Frontend
                // already counts the same calls by API. Off unless asked for.
                if (frameworkMetrics)
                {
                    metrics.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                }
                else
                {
                    metrics.AddView("kestrel.queued_requests", MetricStreamConfiguration.Drop);
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });

        // A provider listens to meters by name, so it would also see every other host's instruments in the same
        // process (the embedded frontend and silo, or the many hosts of a test run): their counts would add to this
        // host's series and use up its limit of metric streams. Instruments of meters made by another host's meter
        // factory are dropped; process-wide ones (runtime, DNS) stay.
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) =>
        {
            var own = provider.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument =>
                instrument.Meter.Scope is IMeterFactory factory && factory != own ? MetricStreamConfiguration.Drop : null);
        });

        // Spans are recorded only to be exported. Without an exporter no tracer listens, and the frontend also
        // keeps ASP.NET Core from starting a request activity (FrontendHost): the gateway then takes no part in
        // the trace, and a caller's traceparent reaches the backend as the caller sent it.
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

    /// <summary>Whether this host records and exports traces: only when an OTLP endpoint is set.</summary>
    public static bool ExportsTraces(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

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
