using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Cors;

/// <summary>Two allowed origins, and careless services that would allow everyone: only the gateway's decision may reach the browser.</summary>
public sealed class CorsGateway : FakeServicesGateway
{
    public const string Allowed = "https://app.example.com";

    protected override IDictionary<string, string> Settings =>
        new Dictionary<string, string> { ["ALLOWED_ORIGINS"] = $"{Allowed}, https://admin.example.com" };

    protected override Func<HttpContext, Task> ServiceHandler =>
        context =>
        {
            context.Response.Headers["Access-Control-Allow-Origin"] = "*";
            return context.Response.WriteAsync("{}");
        };
}

public sealed class CorsTests(CorsGateway services) : IClassFixture<CorsGateway>
{
    private const string Allowed = CorsGateway.Allowed;
    private readonly FakeBackend _backend = services.Reset().RecordingsBackend;
    private readonly GatewayHost _gateway = services.Host;

    [Fact]
    public async Task AllowedOrigin_GetsItsOriginBackWithCredentials()
    {
        using var response = await SendAsync(HttpMethod.Get, Allowed);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Allowed, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("true", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Credentials")));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("https://app.example.com.evil.example")]
    [InlineData("http://app.example.com")]
    [InlineData("null")]
    public async Task DisallowedOrigin_GetsNoAllowOrigin(string origin)
    {
        using var response = await SendAsync(HttpMethod.Get, origin);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Preflight_FromAllowedOrigin_IsAnswered()
    {
        using var response = await SendAsync(HttpMethod.Options, Allowed, preflightMethod: "DELETE");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Allowed, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("DELETE", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        Assert.Empty(_backend.Requests);
    }

    [Fact]
    public async Task Preflight_FromDisallowedOrigin_GetsNoAllowOrigin()
    {
        using var response = await SendAsync(HttpMethod.Options, "https://evil.example", preflightMethod: "DELETE");

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Methods"));
        Assert.Empty(_backend.Requests);
    }

    [Fact]
    public async Task Development_AllowsLocalhostOrigins()
    {
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = _backend.Url.ToString(), ["ALLOWED_ORIGINS"] = "" },
            environment: "Development"
        );
        using var client = gateway.CreateClient();

        using var local = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        local.Headers.Add("Origin", "https://localhost:5173");
        using var localResponse = await client.SendAsync(local);
        using var foreign = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        foreign.Headers.Add("Origin", "https://evil.example");
        using var foreignResponse = await client.SendAsync(foreign);

        Assert.Equal("https://localhost:5173", Assert.Single(localResponse.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(foreignResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string origin, string? preflightMethod = null)
    {
        using var client = _gateway.CreateClient();
        using var request = new HttpRequestMessage(method, "/api/recordings");
        request.Headers.Add("Origin", origin);
        if (preflightMethod is not null)
        {
            request.Headers.Add("Access-Control-Request-Method", preflightMethod);
        }

        return await client.SendAsync(request);
    }
}
