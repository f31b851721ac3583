using Platform.Security.InternalTls;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

/// <summary>
/// Connections to the services: a replica that does not accept within 5 s counts as down (a quick 502, not a hang);
/// with internal TLS, each connection presents the gateway's certificate and trusts only the deployment CA. Without
/// exported telemetry the client records no span of its own (<see cref="TraceContextForwarding"/> passes the trace on).
/// </summary>
internal sealed class GatewayHttpClientFactory(bool telemetryExported, InternalCertificates? internalCertificates = null) : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (!telemetryExported)
        {
            // No propagator, no diagnostics handler: nothing starts an Activity per forwarded request that no one records.
            handler.ActivityHeadersPropagator = null;
        }

        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        handler.PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60);
        internalCertificates?.ConfigureClient(handler);
    }
}
