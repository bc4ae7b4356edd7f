using System.Globalization;
using Gateway.Frontend.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Forwarding;

/// <summary>
/// YARP's client factory, plus the backend's connect timeout: a dead address should fail over in the
/// backend's connect timeout, not in the much longer request timeout.
/// </summary>
internal sealed class BackendHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger) : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (context.NewMetadata?.TryGetValue(ProxyConfigBuilder.ConnectTimeoutKey, out var value) == true
            && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            handler.ConnectTimeout = TimeSpan.FromMilliseconds(ms);
        }
    }
}
