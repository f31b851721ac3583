using System.Net;
using System.Net.WebSockets;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.OriginChecks;

public sealed class OriginCheckTests(FakeServicesGateway services) : IClassFixture<FakeServicesGateway>
{
    private readonly FakeServicesGateway _services = services.Reset();

    // The gateway's default ALLOWED_ORIGINS: https://app.example.com.
    private GatewayHost Host => _services.Host;

    private IReadOnlyList<RecordedRequest> Forwarded => _services.Forwarded;

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("null")]
    [InlineData(null)]
    public async Task CookiePost_FromAForeignOrMissingOrigin_Is403_AndNotForwarded(string? origin)
    {
        using var response = await PostWithCookieAsync("/api/auth/logout", origin);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Forwarded);
    }

    [Fact]
    public async Task CookiePost_FromTheGatewaysOwnOrigin_IsAllowed()
    {
        using var response = await PostWithCookieAsync("/api/auth/logout", $"https://{Host.HttpsUrl.Authority}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(Forwarded);
    }

    [Fact]
    public async Task CookiePost_FromAnAllowedOrigin_IsAllowed()
    {
        using var response = await PostWithCookieAsync("/api/auth/logout", "https://app.example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RefreshCookie_FromAForeignOrigin_Is403()
    {
        using var client = Host.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        request.Headers.Add("Cookie", "__Secure-refresh=some-refresh-token");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(Forwarded);
    }

    [Fact]
    public async Task BearerPost_IsNotAffectedByOrigin()
    {
        using var client = Host.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
        request.Headers.Authorization = new("Bearer", Host.Identity.Mint());
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task WebSocket_FromAForeignOrigin_Is403()
    {
        using var socket = NewSocket();
        socket.Options.SetRequestHeader("Cookie", "__Host-session=" + Host.Identity.Mint());
        socket.Options.SetRequestHeader("Origin", "https://evil.example");

        var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsUrl(), CancellationToken.None));

        Assert.Contains("403", error.Message, StringComparison.Ordinal);
        Assert.Empty(Forwarded);
    }

    [Fact]
    public async Task WebSocket_WithoutAToken_Is401()
    {
        using var socket = NewSocket();
        socket.Options.SetRequestHeader("Origin", $"https://{Host.HttpsUrl.Authority}");

        var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsUrl(), CancellationToken.None));

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Empty(Forwarded);
    }

    [Fact]
    public async Task WebSocket_WithTheSessionCookieFromTheOwnOrigin_Connects()
    {
        using var socket = NewSocket();
        socket.Options.SetRequestHeader("Cookie", "__Host-session=" + Host.Identity.Mint(role: "viewer"));
        socket.Options.SetRequestHeader("Origin", $"https://{Host.HttpsUrl.Authority}");

        await socket.ConnectAsync(WsUrl(), CancellationToken.None);

        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    private static ClientWebSocket NewSocket()
    {
        var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null;
        return socket;
    }

    private Uri WsUrl() => new UriBuilder(Host.HttpsUrl) { Scheme = "wss", Path = "/ws" }.Uri;

    private async Task<HttpResponseMessage> PostWithCookieAsync(string path, string? origin)
    {
        using var client = Host.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}") };
        request.Headers.Add("Cookie", "__Host-session=" + Host.Identity.Mint());
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await client.SendAsync(request);
    }
}
