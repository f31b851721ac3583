using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Https;

public sealed class HttpsRedirectTests
{
    [Theory]
    [InlineData("GET", "/api/recordings?limit=5")]
    [InlineData("POST", "/api/auth/login")]
    [InlineData("GET", "/health/ready")]
    public async Task PlainHttp_InProduction_Returns308ToSamePathOnHttps(string method, string pathAndQuery)
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var client = gateway.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(gateway.HttpUrl, pathAndQuery)));

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal(new Uri(gateway.HttpsUrl, pathAndQuery), response.Headers.Location);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS is only sent over HTTPS");
    }

    [Fact]
    public async Task PlainHttp_BehindAPortMapping_RedirectsToThePublicHttpsPort()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string> { ["HTTPS_PUBLIC_PORT"] = "443" });
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(new Uri(gateway.HttpUrl, "/app/?x=1"));

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal(new Uri("https://localhost/app/?x=1"), response.Headers.Location);
    }

    [Fact]
    public async Task PlainHttp_Health_IsAnsweredWithoutRedirect()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(new Uri(gateway.HttpUrl, "/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"Healthy\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Https_InProduction_SendsHsts()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal("max-age=31536000; includeSubDomains", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
    }

    [Fact]
    public async Task Https_InDevelopment_SendsNoHsts()
    {
        await using var gateway = await GatewayHost.StartAsync(environment: "Development");
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "a developer's browser must not pin localhost to HTTPS");
    }
}
