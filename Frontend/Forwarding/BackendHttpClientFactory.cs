using System.Globalization;
using System.Text;
using Gateway.Frontend.Routing;
using Gateway.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Forwarding;

/// <summary>
/// YARP's client factory, plus the backend's connect timeout: a dead address should fail over in the
/// backend's connect timeout, not in the much longer request timeout. Header values go out in UTF-8, the encoding
/// Kestrel decoded them from, so that a caller's non-ASCII header reaches the backend as sent; HttpClient would
/// otherwise refuse the whole call, and the caller would see a backend failure (502) that is none.
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

        handler.RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8;
        if (context.NewMetadata?.TryGetValue(ProxyConfigBuilder.ConnectTimeoutKey, out var value) == true
            && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            handler.ConnectTimeout = TimeSpan.FromMilliseconds(ms);
        }
    }
}
