using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.Tests.Draining;

/// <summary>
/// A stopping gateway (SIGTERM: the host's stop) is not ready at once, keeps serving for SHUTDOWN_DRAIN_SECONDS while
/// telling HTTP/1.1 clients to reconnect elsewhere, then closes its WebSocket tunnels with 1001 so dashboards
/// reconnect through another gateway. (System.Tests' DrainBehindBalancerTests runs the same stop under load.)
/// </summary>
public sealed class GatewayDrainTests
{
    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task OnStop_NotReadyAtOnce_StillServingWithConnectionClose_ThenTunnelsCloseWith1001(string webSocketVersion)
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["AUTH_SERVICE_URLS"] = auth.Url.ToString(),
                ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString(),
                ["SHUTDOWN_DRAIN_SECONDS"] = "3",
            }
        );
        using var client = gateway.CreateClient();
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null },
            ConnectCallback = Loopback.ConnectAsync,
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        using var socket = await ConnectAsync(gateway, invoker, Version.Parse(webSocketVersion));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.SendAsync("before the stop"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1024];
        var echoed = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal("before the stop", Encoding.UTF8.GetString(buffer, 0, echoed.Count));

        var stopping = Task.Run(() => gateway.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication());

        await Wait.UntilAsync(
            async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(2),
            "readiness turns 503 at once"
        );
        using var ready = await client.GetAsync("/health/ready");
        using var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("stopping", readiness.RootElement.GetProperty("checks").GetProperty("drain").GetProperty("description").GetString());

        // Still serving, and each HTTP/1.1 response sends its client to open the next connection elsewhere.
        using var during = await client.GetAsync("/api/recordings");
        Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        Assert.True(during.Headers.ConnectionClose, "Connection: close while draining");

        // The tunnel still carries messages during the drain, then the gateway closes it as a WebSocket server would.
        await socket.SendAsync("during the drain"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
        echoed = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal("during the drain", Encoding.UTF8.GetString(buffer, 0, echoed.Count));
        var closing = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
        Assert.Equal("gateway restarting", socket.CloseStatusDescription);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        await stopping;
    }

    private static async Task<ClientWebSocket> ConnectAsync(GatewayHost gateway, HttpMessageInvoker invoker, Version version)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = version;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + gateway.Identity.Mint());
        socket.Options.SetRequestHeader("Origin", $"https://{gateway.HttpsUrl.Authority}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new UriBuilder(gateway.HttpsUrl) { Scheme = "wss", Path = "/ws" }.Uri, invoker, timeout.Token);
        return socket;
    }
}
