using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Health;

public sealed class ReadinessTests
{
    [Fact]
    public async Task AClusterWithNoHealthyReplica_ShowsAsDetail_ButTheGatewayStaysReady()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await StartReadyAsync(auth, recordings);
        using var client = gateway.CreateClient();

        recordings.Healthy = false;
        await Wait.UntilAsync(
            async () => await ClusterStatusAsync(client, "recordings") == "Degraded",
            TimeSpan.FromSeconds(15),
            "the recordings cluster is seen down"
        );

        // One service's outage must not take the gateway out of its balancer: the dashboard and sign-in still work.
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        Assert.Equal("Degraded", json.RootElement.GetProperty("status").GetString());
        var cluster = json.RootElement.GetProperty("checks").GetProperty("recordings");
        Assert.Equal("Degraded", cluster.GetProperty("status").GetString());
        Assert.StartsWith("0 of 1 destinations healthy", cluster.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("auth").GetProperty("status").GetString());
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);

        using var live = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        recordings.Healthy = true;
        await Wait.UntilAsync(
            async () => await ClusterStatusAsync(client, "recordings") == "Healthy",
            TimeSpan.FromSeconds(15),
            "the recordings cluster is back"
        );
    }

    [Fact]
    public async Task RequestToDownCluster_IsRefusedQuicklyWith503AndRetryAfter_WhileTheOtherClusterServes()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await StartReadyAsync(auth, recordings);
        using var client = gateway.CreateClient();
        recordings.Healthy = false;
        await Wait.UntilAsync(
            async () => await ClusterStatusAsync(client, "recordings") == "Degraded",
            TimeSpan.FromSeconds(15),
            "the cluster is seen down"
        );

        using var response = await client.GetAsync("/api/recordings");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Empty(recordings.Requests);

        using var signIn = await client.GetAsync("/api/auth/me");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.NotEmpty(auth.Requests);
    }

    [Fact]
    public async Task TheServedCertificate_IsPartOfReadiness()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await StartReadyAsync(auth, recordings);
        using var client = gateway.CreateClient();

        using var ready = await client.GetAsync("/health/ready");
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var certificate = json.RootElement.GetProperty("checks").GetProperty("certificate");
        // The test certificate is valid for days, not weeks: readiness warns (Degraded, still 200) before it expires.
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", certificate.GetProperty("status").GetString());
        Assert.StartsWith("expires soon: valid until ", certificate.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string?> ClusterStatusAsync(HttpClient client, string cluster)
    {
        using var response = await client.GetAsync("/health/ready");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("checks").TryGetProperty(cluster, out var check) ? check.GetProperty("status").GetString() : null;
    }

    private static async Task<GatewayHost> StartReadyAsync(FakeBackend auth, FakeBackend recordings)
    {
        var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["AUTH_SERVICE_URLS"] = auth.Url.ToString(), ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString() }
        );
        using var client = gateway.CreateClient();
        await Wait.UntilAsync(
            async () => await ClusterStatusAsync(client, "auth") == "Healthy" && await ClusterStatusAsync(client, "recordings") == "Healthy",
            TimeSpan.FromSeconds(15),
            "both clusters are ready"
        );
        return gateway;
    }
}
