using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Monitoring;

public sealed class OtlpExportTests
{
    [Fact]
    public async Task WithAnOtlpEndpoint_LogsAndTracesReachTheCollector()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        // Any HTTP server that records what it is sent stands in for the collector (OTLP over HTTP: POST /v1/…).
        await using var collector = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["AUTH_SERVICE_URLS"] = auth.Url.ToString(),
                ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString(),
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url.ToString().TrimEnd('/'),
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_BLRP_SCHEDULE_DELAY"] = "500",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
            }
        );
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/api/recordings");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Wait.UntilAsync(
            () => Posted(collector, "/v1/logs") && Posted(collector, "/v1/traces"),
            TimeSpan.FromSeconds(20),
            "the collector has received logs and traces"
        );
        Assert.All(collector.Requests.Where(r => r.PathAndQuery.StartsWith("/v1/", StringComparison.Ordinal)), request =>
            Assert.Equal("application/x-protobuf", request.Headers["Content-Type"])
        );
    }

    private static bool Posted(FakeBackend collector, string path) =>
        collector.Requests.Any(request => request.Method == "POST" && request.PathAndQuery == path);
}
