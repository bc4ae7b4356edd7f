using System.Globalization;
using Gateway.Frontend.Routing;
using Gateway.Silo.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Forwarding;

/// <summary>
/// YARP's client factory, plus the backend's connect timeout: a dead address should fail over in the
/// backend's connect timeout, not in the much longer request timeout.
/// </summary>
internal sealed class BackendHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger, IConfiguration configuration)
    : ForwarderHttpClientFactory(logger)
{
    private readonly bool _tracing = ServiceDefaults.ExportsTraces(configuration);

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (!_tracing)
        {
            // Without a tracer of its own the gateway takes no part in the trace: the caller's traceparent (copied
            // with the other headers) reaches the backend unchanged, and none is made up. Any listener elsewhere in
            // the process (another host's tracer) would otherwise have the client write its own activity's id.
            handler.ActivityHeadersPropagator = null;
        }

        if (context.NewMetadata?.TryGetValue(ProxyConfigBuilder.ConnectTimeoutKey, out var value) == true
            && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            handler.ConnectTimeout = TimeSpan.FromMilliseconds(ms);
        }
    }
}
