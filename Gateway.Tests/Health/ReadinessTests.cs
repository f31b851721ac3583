using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Health;

public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_TurnsUnavailableWhenAClusterIsDown_AndBackWhenItRecovers()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await StartReadyAsync(auth, recordings);
        using var client = gateway.CreateClient();

        recordings.Healthy = false;
        await Wait.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15), "the recordings cluster is seen down");

        using var down = await client.GetAsync("/health/ready");
        var body = await down.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        Assert.Equal("Unhealthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", json.RootElement.GetProperty("checks").GetProperty("recordings").GetProperty("status").GetString());
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("auth").GetProperty("status").GetString());
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);

        // Liveness does not depend on the services.
        using var live = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        recordings.Healthy = true;
        await Wait.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "the recordings cluster is back");
    }

    [Fact]
    public async Task RequestToDownCluster_IsRefusedQuicklyWith503()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await StartReadyAsync(auth, recordings);
        using var client = gateway.CreateClient();
        recordings.Healthy = false;
        await Wait.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15), "the cluster is seen down");

        using var response = await client.GetAsync("/api/recordings");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(recordings.Requests);
    }

    private static async Task<GatewayHost> StartReadyAsync(FakeBackend auth, FakeBackend recordings)
    {
        var gateway = await GatewayHost.StartAsync(new Dictionary<string, string>
        {
            ["AUTH_SERVICE_URLS"] = auth.Url.ToString(),
            ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString(),
        });
        using var client = gateway.CreateClient();
        await Wait.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "both clusters are ready");
        return gateway;
    }
}
