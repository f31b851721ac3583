using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

/// <summary>Connections to the services: a replica that does not accept within 5 s counts as down (a quick 502, not a hang).</summary>
internal sealed class GatewayHttpClientFactory : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60);
    }
}
