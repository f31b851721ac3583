using Microsoft.AspNetCore.Http.Features;
using ServiceDefaults.Hosting;

namespace Gateway.Draining;

/// <summary>
/// The gateway's part of a graceful stop (<see cref="GracefulDrain"/> does the rest: readiness 503 at once, serving
/// for SHUTDOWN_DRAIN_SECONDS). While draining, every HTTP/1.1 response says <c>Connection: close</c>, so clients
/// open their next connection through the balancer to a gateway that stays (HTTP/2 clients get GOAWAY when the
/// server stops). When the drain is over, every WebSocket tunnel gets a Close frame with 1001 (going away), as the
/// services send their own, so the dashboard reconnects at once through another gateway.
/// </summary>
internal static class DrainExtensions
{
    /// <summary>How long a tunnel may take to finish its closing handshake before it is cut.</summary>
    private static readonly TimeSpan CloseHandshake = TimeSpan.FromSeconds(5);

    public static WebApplication UseGatewayDrain(this WebApplication app)
    {
        var drain = app.Services.GetRequiredService<GracefulDrain>();
        app.Use(
            (context, next) =>
            {
                if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
                {
                    context.Features.Set<IHttpUpgradeFeature>(new DrainedUpgrade(upgrade, context, drain.Drained));
                }
                else if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
                {
                    context.Features.Set<IHttpExtendedConnectFeature>(new DrainedExtendedConnect(connect, context, drain.Drained));
                }
                else if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
                {
                    context.Response.OnStarting(() =>
                    {
                        if (drain.IsDraining)
                        {
                            context.Response.Headers.Connection = "close";
                        }

                        return Task.CompletedTask;
                    });
                }

                return next(context);
            }
        );
        return app;
    }

    /// <summary>Wraps the tunnel's client stream and, when the drain is over, closes it with 1001.</summary>
    internal static Stream Tunnel(Stream upgraded, HttpContext context, CancellationToken drained)
    {
        var stream = new GoingAwayStream(upgraded);
        var registration = drained.Register(() => _ = GoAwayAsync(stream, context));
        context.Response.RegisterForDispose(registration);
        return stream;
    }

    private static async Task GoAwayAsync(GoingAwayStream stream, HttpContext context)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshake);
            await stream.GoAwayAsync(timeout.Token);
            await Task.Delay(CloseHandshake, context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The tunnel ended (or the client is gone): nothing to close.
            return;
        }

        context.Abort(); // the browser or the service did not finish the closing handshake
    }

    private sealed class DrainedUpgrade(IHttpUpgradeFeature inner, HttpContext context, CancellationToken drained) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => Tunnel(await inner.UpgradeAsync(), context, drained);
    }

    private sealed class DrainedExtendedConnect(IHttpExtendedConnectFeature inner, HttpContext context, CancellationToken drained)
        : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => inner.IsExtendedConnect;

        public string? Protocol => inner.Protocol;

        public async ValueTask<Stream> AcceptAsync() => Tunnel(await inner.AcceptAsync(), context, drained);
    }
}
