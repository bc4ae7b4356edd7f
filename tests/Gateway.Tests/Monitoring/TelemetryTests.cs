using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Frontend.Monitoring;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Monitoring;

/// <summary>Metrics, traces and the access log, as an operator's collector and log service would receive them.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Every_request_writes_one_structured_access_log_record_without_secrets()
    {
        await using var backend = await EchoBackend.StartAsync();
        var logs = new LogCapture();
        await using var gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Gateway.AccessLog"] = "Information",
        }, configure: b => b.Logging.AddProvider(logs));
        await ImportAsync(gateway, backend);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders/42?signature=query-secret-77&token=abc")
        {
            Content = new StringContent("{\"item\":\"book\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "bearer-secret-31");
        using var ok = await gateway.Gateway.SendAsync(request);
        var requestId = ok.Headers.GetValues("X-Ca-Request-Id").Single();
        var okBody = await ok.Content.ReadAsByteArrayAsync();
        using var missing = await gateway.Gateway.GetAsync("/nothing-here");
        var missingId = missing.Headers.GetValues("X-Ca-Request-Id").Single();

        var records = logs.Records.Where(r => r.Category == "Gateway.AccessLog").ToList();
        var record = Assert.Single(records, r => (string?)r.Fields["RequestId"] == requestId);
        Assert.Equal(2701, record.EventId);
        Assert.Equal("POST", record.Fields["Method"]);
        Assert.Equal("/orders/42", record.Fields["Path"]);
        Assert.Equal("get-order", record.Fields["ApiId"]);
        Assert.Equal("RELEASE", record.Fields["Stage"]);
        Assert.Equal("", record.Fields["AppId"]);
        Assert.Contains("127.0.0.1", (string?)record.Fields["ClientIp"]);
        Assert.Equal(200, record.Fields["Status"]);
        Assert.Equal("", record.Fields["ErrorCode"]);
        Assert.Equal(15L, record.Fields["BytesIn"]);
        Assert.Equal((long)okBody.Length, record.Fields["BytesOut"]);
        Assert.True((double)record.Fields["LatencyMs"]! > 0);

        var notFound = Assert.Single(records, r => (string?)r.Fields["RequestId"] == missingId);
        Assert.Equal(404, notFound.Fields["Status"]);
        Assert.Equal("A404NF", notFound.Fields["ErrorCode"]);
        Assert.Equal("", notFound.Fields["ApiId"]);

        // One record per request, and the host's own endpoints are not API traffic.
        using (await gateway.Gateway.GetAsync("/health/live"))
        {
        }

        Assert.Equal(2, logs.Records.Count(r => r.Category == "Gateway.AccessLog"));
        var text = logs.AllText;
        Assert.DoesNotContain("query-secret-77", text);
        Assert.DoesNotContain("bearer-secret-31", text);
    }

    [Fact]
    public async Task Prometheus_metrics_count_requests_by_api_and_without_a_tracer_traceparent_passes_through_unchanged()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await EmbeddedGateway.StartAsync();
        await ImportAsync(gateway, backend);

        // Another host in the same process with a tracer and the same API: its activity listeners see every
        // host's sources, its meters have the same names. Neither may change what this gateway does or counts.
        await using var collector = await HttpReceiver.StartAsync();
        await using var traced = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        await ImportAsync(traced, backend);
        for (var i = 0; i < 3; i++)
        {
            using (await traced.Gateway.GetAsync("/orders/9"))
            {
            }
        }

        // No exporter here, so no tracer: the gateway takes no part in traces and starts none. (The client adds
        // no trace headers of its own: the other host's listeners would make HttpClient start traces.)
        using var caller = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = gateway.GatewayAddress };
        var echo = await caller.GetFromJsonAsync<EchoResponse>("/orders/1");
        Assert.False(echo!.Headers.ContainsKey("traceparent"), $"a trace was started for nobody: {echo.Headers.GetValueOrDefault("traceparent")}");

        // A caller's trace reaches the backend as the caller sent it.
        const string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        using var withTrace = new HttpRequestMessage(HttpMethod.Get, "/orders/2");
        withTrace.Headers.Add("traceparent", traceparent);
        withTrace.Headers.Add("tracestate", "vendor=abc");
        using var response = await caller.SendAsync(withTrace);
        var forwarded = (await response.Content.ReadFromJsonAsync<EchoResponse>())!.Headers;
        Assert.Equal(traceparent, forwarded["traceparent"]);
        Assert.Equal("vendor=abc", forwarded["tracestate"]);

        var metrics = await gateway.Gateway.GetStringAsync("/metrics");
        Assert.Contains("gateway_requests_total{", metrics);
        // Its own two calls, not the other host's three.
        Assert.Matches("gateway_requests_total\\{[^}]*api=\"get-order\"[^}]*status_class=\"2xx\"[^}]*\\} 2\\b", metrics);
        Assert.Contains("gateway_request_duration_seconds_bucket{", metrics);
        Assert.Contains("kestrel_active_connections", metrics);

        // ASP.NET Core's and HttpClient's per-request instruments are off by default (Telemetry:FrameworkMetrics).
        Assert.DoesNotContain("http_server_request_duration_seconds", metrics);
        Assert.DoesNotContain("http_client_request_duration_seconds", metrics);

        // Orleans' own meters on the silo host.
        var siloMetrics = await gateway.Admin.GetStringAsync("/metrics");
        Assert.Contains("orleans_", siloMetrics);
    }

    [Fact]
    public async Task Traffic_metrics_count_the_body_bytes_read_and_sent_for_api_calls_and_unmatched_requests()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await EmbeddedGateway.StartAsync();
        await ImportAsync(gateway, backend);
        using var traffic = new TrafficListener(gateway.Host.App.Services.GetRequiredService<GatewayMetrics>().Meter);

        var body = new string('x', 1000);
        using var posted = await gateway.Gateway.PostAsync("/orders/3", new StringContent(body));
        var answered = (await posted.Content.ReadAsByteArrayAsync()).Length;
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        using var missing = await gateway.Gateway.PostAsync("/nowhere", new StringContent("12345"));
        var missingAnswer = (await missing.Content.ReadAsByteArrayAsync()).Length;

        // API calls reach the counters once their second is drained (about a second); unmatched ones at once.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (traffic.Get("gateway.traffic.in", "get-order") is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(1000, traffic.Get("gateway.traffic.in", "get-order"));
        Assert.Equal(answered, traffic.Get("gateway.traffic.out", "get-order"));
        Assert.Equal(0, traffic.Get("gateway.traffic.in", "")); // refused unread: bytes read are counted
        Assert.Equal(missingAnswer, traffic.Get("gateway.traffic.out", ""));
    }

    /// <summary>
    /// Sums what one gateway's traffic counters record, by API. It listens to that host's meter alone: in this
    /// test process every host's OpenTelemetry provider also sees the other hosts' instruments of the same names.
    /// </summary>
    private sealed class TrafficListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<(string Instrument, string Api), long> _sums = [];

        public TrafficListener(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && instrument.Name.StartsWith("gateway.traffic.", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var api = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == "api")
                    {
                        api = tag.Value as string ?? "";
                    }
                }

                lock (_sums)
                {
                    _sums[(instrument.Name, api)] = _sums.GetValueOrDefault((instrument.Name, api)) + value;
                }
            });
            _listener.Start();
        }

        public long? Get(string instrument, string api)
        {
            lock (_sums)
            {
                return _sums.TryGetValue((instrument, api), out var sum) ? sum : null;
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Framework_metrics_are_exported_when_asked_for()
    {
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?> { ["Telemetry:FrameworkMetrics"] = "true" });
        await ImportAsync(gateway, backend);
        using (await gateway.Gateway.GetAsync("/orders/1"))
        {
        }

        var metrics = await gateway.Gateway.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds", metrics);
        Assert.Contains("http_client_request_duration_seconds", metrics);
        Assert.Contains("gateway_requests_total{", metrics);
    }

    [Fact]
    public async Task With_an_otlp_endpoint_set_logs_metrics_and_traces_are_exported_to_it()
    {
        await using var collector = await HttpReceiver.StartAsync();
        await using var backend = await EchoBackend.StartAsync();
        await using var gateway = await EmbeddedGateway.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["Logging:LogLevel:Gateway.AccessLog"] = "Information",
        });
        await ImportAsync(gateway, backend);
        using (await gateway.Gateway.GetAsync("/orders/7"))
        {
        }

        var logs = await collector.WaitForAsync(r => r.Path == "/v1/logs" && Contains(r.Body, "get-order"), TimeSpan.FromSeconds(30), "access log over OTLP");
        Assert.Equal("POST", logs.Method);
        Assert.Equal("application/x-protobuf", logs.ContentType);
        Assert.True(Contains(logs.Body, "RequestId"), "the record's fields travel as attributes");
        // The frontend's metrics (its service name is the resource); which instruments they hold is checked on /metrics.
        await collector.WaitForAsync(r => r.Path == "/v1/metrics" && Contains(r.Body, "gateway-frontend"), TimeSpan.FromSeconds(30), "frontend metrics over OTLP");
        await collector.WaitForAsync(r => r.Path == "/v1/metrics" && Contains(r.Body, "gateway-silo"), TimeSpan.FromSeconds(30), "silo metrics over OTLP");
        await collector.WaitForAsync(r => r.Path == "/v1/traces", TimeSpan.FromSeconds(30), "traces over OTLP");
    }

    private static bool Contains(byte[] body, string text) =>
        body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;

    private static async Task ImportAsync(EmbeddedGateway gateway, EchoBackend backend)
    {
        await gateway.ImportAsync($$"""
            groups: [{ name: shop }]
            backends: [{ name: orders, addresses: ["{{backend.Address}}"] }]
            apis:
              - { id: get-order, group: shop, name: Get an order, methods: [GET, POST], path: "/orders/{id}", backend: orders, backendPath: "/v1/orders/{id}" }
            deployments: [{ api: get-order, stage: RELEASE }]
            """);
        var revision = (await gateway.Admin.GetFromJsonAsync<JsonElement>("/v1/catalog/revision")).GetProperty("revision").GetInt64();
        await gateway.WaitForRevisionAsync(revision);
    }
}
