using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Monitoring;

public sealed class MetricsPortTests
{
    [Fact]
    public async Task TheMetricsPort_ServesPrometheusText_WithRuntimeProcessHttpClusterAndCertificateMetrics()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        using var metricsPort = PortReservation.Reserve();
        await using var gateway = await StartAsync(auth, recordings, metricsPort);
        using var client = gateway.CreateClient();
        using var request = await client.GetAsync("/api/recordings");
        Assert.Equal(HttpStatusCode.OK, request.StatusCode);
        using var scraper = new HttpClient { BaseAddress = gateway.MetricsUrl };

        var text = "";
        await Wait.UntilAsync(
            async () =>
            {
                text = await scraper.GetStringAsync("/metrics");
                // The replicas' gauge follows the first health probe, which may come after the request.
                return text.Contains("http_server_request_duration_seconds_count", StringComparison.Ordinal)
                    && Regex.IsMatch(text, "gateway_cluster_healthy_destinations\\{[^}]*cluster=\"recordings\"[^}]*\\} 1");
            },
            TimeSpan.FromSeconds(15),
            "the proxied request is counted and the recordings replica seen healthy"
        );

        using var response = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        // What a standard dashboard for a .NET service plots: GC, thread pool, CPU, memory; requests by route and status.
        Assert.Contains("# TYPE dotnet_gc_collections_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_thread_pool_queue_length_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE process_cpu_time_seconds_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE process_memory_usage_bytes gauge\n", text, StringComparison.Ordinal);
        Assert.Matches("http_server_request_duration_seconds_count\\{[^}]*http_response_status_code=\"200\"", text);
        // The gateway's own: each cluster's replicas, and when the certificate it serves expires.
        Assert.Matches("gateway_cluster_healthy_destinations\\{[^}]*cluster=\"recordings\"[^}]*\\} 1", text);
        Assert.Matches("gateway_cluster_destinations\\{[^}]*cluster=\"auth\"[^}]*\\} 1", text);
        using var served = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(gateway.Certificate.CertificatePath));
        var notAfter = new DateTimeOffset(served.NotAfter.ToUniversalTime(), TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Matches($"tls_certificate_not_after_seconds\\{{[^}}]*certificate=\"public\"[^}}]*\\}} {notAfter}", text);
        // Scrapes are not traffic: they do not show up as requests to the gateway.
        Assert.DoesNotContain("url_path=\"/metrics\"", text, StringComparison.Ordinal);
        Assert.DoesNotMatch("http_route=\"/metrics\"", text);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/health")]
    [InlineData("/api/recordings")]
    [InlineData("/metrics/x")]
    public async Task TheMetricsPort_AnswersNothingElse(string path)
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        using var metricsPort = PortReservation.Reserve();
        await using var gateway = await StartAsync(auth, recordings, metricsPort);
        using var scraper = new HttpClient { BaseAddress = gateway.MetricsUrl };
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", gateway.Identity.Mint());

        using var response = await scraper.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(auth.Requests);
        Assert.Empty(recordings.Requests);
    }

    [Fact]
    public async Task TheMetricsPath_OnThePublicPort_IsNotTheScrapeOutput()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        using var metricsPort = PortReservation.Reserve();
        await using var gateway = await StartAsync(auth, recordings, metricsPort);
        using var client = gateway.CreateAnonymousClient();

        using var response = await client.GetAsync("/metrics");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("process_cpu_time", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutMetricsPort_NoScrapePortIsOpened()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(Backends(auth, recordings));

        var addresses = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.Equal(2, addresses.Count);
        Assert.Null(gateway.MetricsUrl);
    }

    [Theory]
    [InlineData("0", "METRICS_PORT must be a whole number from 1 to 65535")]
    [InlineData("http", "METRICS_PORT must be a whole number from 1 to 65535")]
    [InlineData("same", "must differ from PORT")]
    public async Task AnUnusableMetricsPort_StopsTheStart_NamingIt(string value, string message)
    {
        using var certificate = TestCertificate.Create();
        using var port = PortReservation.Reserve();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["PORT"] = port.ToString(),
            ["HTTP_PORT"] = "0",
            ["TLS_CERT_PATH"] = certificate.CertificatePath,
            ["TLS_KEY_PATH"] = certificate.KeyPath,
            ["ALLOWED_ORIGINS"] = "https://calls.example.com",
            ["METRICS_PORT"] = value == "same" ? port.ToString() : value,
        };

        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync("Gateway", [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr + stdout, StringComparison.Ordinal);
    }

    private static Task<GatewayHost> StartAsync(FakeBackend auth, FakeBackend recordings, PortReservation metricsPort)
    {
        var settings = Backends(auth, recordings);
        settings["METRICS_PORT"] = metricsPort.ToString();
        return GatewayHost.StartAsync(settings);
    }

    private static Dictionary<string, string> Backends(FakeBackend auth, FakeBackend recordings) =>
        new() { ["AUTH_SERVICE_URLS"] = auth.Url.ToString(), ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString() };
}
