using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Proxy;

public sealed class ForwardingTests(FakeServicesGateway services) : IClassFixture<FakeServicesGateway>
{
    private readonly FakeServicesGateway _services = services.Reset();

    private GatewayHost Host => _services.Host;

    private FakeBackend AuthBackend => _services.AuthBackend;

    private FakeBackend RecordingsBackend => _services.RecordingsBackend;

    [Theory]
    [InlineData("POST", "/api/auth/login", "auth")]
    [InlineData("POST", "/api/auth/refresh", "auth")]
    [InlineData("POST", "/api/auth/logout", "auth")]
    [InlineData("GET", "/api/auth/me", "auth")]
    [InlineData("GET", "/.well-known/jwks.json", "auth")]
    [InlineData("GET", "/.well-known/openid-configuration", "auth")]
    [InlineData("GET", "/api/users", "auth")]
    [InlineData("DELETE", "/api/users/alice", "auth")]
    [InlineData("GET", "/api/audit/auth", "auth")]
    [InlineData("GET", "/api/recordings?limit=5", "recordings")]
    [InlineData("GET", "/api/recordings/RE0123456789abcdef0123456789abcdef/audio", "recordings")]
    [InlineData("DELETE", "/api/recordings/RE0123456789abcdef0123456789abcdef", "recordings")]
    [InlineData("GET", "/api/audit/recordings", "recordings")]
    [InlineData("POST", "/webhooks/recording", "recordings")]
    public async Task ContractPaths_ReachTheirService(string method, string pathAndQuery, string service)
    {
        using var client = Host.CreateClient();
        using var response = await client.SendAsync(
            new HttpRequestMessage(new HttpMethod(method), pathAndQuery) { Content = method == "GET" ? null : new StringContent("{}") }
        );

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (target, other) = service == "auth" ? (AuthBackend, RecordingsBackend) : (RecordingsBackend, AuthBackend);
        Assert.Equal(pathAndQuery, Assert.Single(target.Requests).PathAndQuery);
        Assert.Empty(other.Requests);
    }

    [Theory]
    [InlineData("/internal/revocations?since=0")]
    [InlineData("/api/internal")]
    [InlineData("/.well-known/other")]
    [InlineData("/webhooks/other")]
    public async Task PathsOutsideTheContract_AreNotForwarded(string pathAndQuery)
    {
        using var client = Host.CreateClient();
        using var response = await client.GetAsync(pathAndQuery);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(AuthBackend.Requests);
        Assert.Empty(RecordingsBackend.Requests);
    }

    [Fact]
    public async Task ForwardedHeaders_AreSetByTheGateway_NotTheClient()
    {
        using var client = Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-Proto", "http");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("Forwarded", "for=203.0.113.9;host=evil.example");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(RecordingsBackend.Requests).Headers;
        Assert.Equal(Host.HttpsUrl.Authority, seen["X-Forwarded-Host"]);
        Assert.Equal("https", seen["X-Forwarded-Proto"]);
        Assert.Equal("127.0.0.1", seen["X-Forwarded-For"]);
        Assert.False(seen.ContainsKey("Forwarded"));
    }

    [Fact]
    public async Task TraceContext_FlowsFromGatewayToService()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var client = Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var response = await client.SendAsync(request);

        var traceparent = Assert.Single(RecordingsBackend.Requests).Headers["traceparent"];
        Assert.StartsWith($"00-{traceId}-", traceparent, StringComparison.Ordinal);
        Assert.DoesNotContain("00f067aa0ba902b7", traceparent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocket_EchoesThroughTheGateway_OverHttp11ToTheService()
    {
        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Host.Identity.Mint());
        var url = new UriBuilder(Host.HttpsUrl) { Scheme = "wss", Path = "/ws" }.Uri;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await socket.ConnectAsync(url, timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("hello through the gateway"), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);

        Assert.Equal("hello through the gateway", Encoding.UTF8.GetString(buffer, 0, received.Count));
        var upgrade = Assert.Single(RecordingsBackend.Requests);
        Assert.Equal("websocket", upgrade.Headers["Upgrade"], ignoreCase: true);
        // An upgraded connection has no body limit to apply: routing has nothing to warn about on every socket.
        Assert.DoesNotContain(Host.Logs.Events, e => e.RenderMessage().Contains("body size limit", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task WebSocketOverHttp2_AsBrowsersOpenIt_EchoesThroughTheGateway()
    {
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Host.Identity.Mint());
        socket.Options.SetRequestHeader("Origin", $"https://{Host.HttpsUrl.Authority}");
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null },
            ConnectCallback = Loopback.ConnectAsync,
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await socket.ConnectAsync(new UriBuilder(Host.HttpsUrl) { Scheme = "wss", Path = "/ws" }.Uri, invoker, timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("over h2"), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal("over h2", Encoding.UTF8.GetString(buffer, 0, received.Count));
        Assert.DoesNotContain(Host.Logs.Events, e => e.RenderMessage().Contains("body size limit", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task DeadService_GivesQuickProblem_WithoutItsAddress()
    {
        await using var gateway = await GatewayHost.StartAsync(); // both clusters point at a closed port
        using var client = gateway.CreateClient();

        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync("/api/recordings");
        watch.Stop();

        Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"got {response.StatusCode}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(body);
        Assert.Equal((int)response.StatusCode, problem.RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain(":9", body.Replace("\"status\":", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }
}
