using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.ClientIp;

public sealed class ClientIpTests
{
    [Fact]
    public async Task XForwardedFor_FromUntrustedConnection_IsIgnored()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var gateway = await StartAsync(backend, trustedProxies: "");

        var forwarded = await ForwardedForAsync(gateway, backend, "203.0.113.9");

        Assert.Equal("127.0.0.1", forwarded);
    }

    [Fact]
    public async Task XForwardedFor_WhenOnlyOtherAddressesAreTrusted_IsIgnored()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var gateway = await StartAsync(backend, trustedProxies: "10.0.0.0/8, 192.0.2.1");

        var forwarded = await ForwardedForAsync(gateway, backend, "203.0.113.9");

        Assert.Equal("127.0.0.1", forwarded);
    }

    [Fact]
    public async Task XForwardedFor_FromTrustedProxy_RightMostUntrustedEntryIsTheClient()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var gateway = await StartAsync(backend, trustedProxies: "127.0.0.1, ::1");

        // The left-most entry is whatever the client claimed; only the hop our proxy appended counts.
        var forwarded = await ForwardedForAsync(gateway, backend, "198.51.100.66, 203.0.113.9");

        Assert.Equal("203.0.113.9", forwarded);
    }

    [Fact]
    public async Task XForwardedFor_ThroughSeveralTrustedProxies_SkipsAllOfThem()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var gateway = await StartAsync(backend, trustedProxies: "127.0.0.1,::1,10.0.0.0/8");

        var forwarded = await ForwardedForAsync(gateway, backend, "198.51.100.66, 203.0.113.9, 10.1.2.3");

        Assert.Equal("203.0.113.9", forwarded);
    }

    [Fact]
    public async Task ClientIp_IsWhatTheRequestLogShows()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var gateway = await StartAsync(backend, trustedProxies: "127.0.0.1,::1");

        await ForwardedForAsync(gateway, backend, "203.0.113.9");

        // The request line is written once the response has gone out.
        await Wait.UntilAsync(
            () =>
                Task.FromResult(gateway.Logs.Events.Any(e => e.Properties.TryGetValue("ClientIp", out var ip) && ip.ToString() == "\"203.0.113.9\"")),
            TimeSpan.FromSeconds(5),
            "the request log names the forwarded client"
        );
    }

    private static Task<GatewayHost> StartAsync(FakeBackend backend, string trustedProxies) =>
        GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = backend.Url.ToString(), ["TRUSTED_PROXIES"] = trustedProxies }
        );

    private static async Task<string> ForwardedForAsync(GatewayHost gateway, FakeBackend backend, string xForwardedFor)
    {
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.Add("X-Forwarded-For", xForwardedFor);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var seen = backend.Requests.Last().Headers;
        return seen["X-Forwarded-For"];
    }
}
