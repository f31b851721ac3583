using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.SecurityHeaders;

public sealed class SecurityHeadersTests(FakeServicesGateway services) : IClassFixture<FakeServicesGateway>
{
    private readonly FakeBackend _backend = services.Reset().RecordingsBackend;
    private readonly GatewayHost _gateway = services.Host;

    public static readonly TheoryData<string, string> Expected = new()
    {
        { "Cross-Origin-Opener-Policy", "same-origin" },
        { "Cross-Origin-Resource-Policy", "same-origin" },
        { "Origin-Agent-Cluster", "?1" },
        { "Referrer-Policy", "no-referrer" },
        { "X-Content-Type-Options", "nosniff" },
        { "X-Frame-Options", "DENY" },
        { "X-Permitted-Cross-Domain-Policies", "none" },
        { "X-DNS-Prefetch-Control", "off" },
        { "X-XSS-Protection", "0" },
        { "Strict-Transport-Security", "max-age=31536000; includeSubDomains" },
    };

    [Theory]
    [InlineData("/api/recordings", HttpStatusCode.OK)] // proxied
    [InlineData("/no-such-page", HttpStatusCode.NotFound)] // gateway error
    [InlineData("/", HttpStatusCode.OK)] // static file (sign-in page)
    [InlineData("/css/site.css", HttpStatusCode.OK)] // static asset
    public async Task EveryResponse_CarriesAllSecurityHeaders(string path, HttpStatusCode status)
    {
        using var client = _gateway.CreateClient();
        using var response = await client.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        foreach (var (name, value) in Expected.Select(row => ((string)row[0], (string)row[1])))
        {
            Assert.True(response.Headers.TryGetValues(name, out var values), $"{name} missing on {path}");
            Assert.Equal(value, Assert.Single(values));
        }

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        foreach (
            var directive in new[]
            {
                "default-src 'self'",
                "script-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                "frame-ancestors 'none'",
                "form-action 'self'",
            }
        )
        {
            Assert.Contains(directive, csp, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }

        Assert.False(response.Headers.Contains("Server"));
        Assert.False(response.Headers.Contains("X-Powered-By"));
    }

    [Fact]
    public async Task BackendWeakerHeaders_AreOverriddenByTheGateway()
    {
        _backend.Handler = context =>
        {
            context.Response.Headers["Content-Security-Policy"] = "default-src *; script-src 'unsafe-inline' *";
            context.Response.Headers["X-Frame-Options"] = "ALLOWALL";
            context.Response.Headers["Strict-Transport-Security"] = "max-age=0";
            context.Response.Headers["Referrer-Policy"] = "unsafe-url";
            context.Response.Headers["Server"] = "backend/1.0";
            context.Response.Headers["X-Powered-By"] = "Express";
            context.Response.Headers["Access-Control-Allow-Origin"] = "*";
            return context.Response.WriteAsync("{}");
        };
        using var client = _gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.Add("Origin", "https://evil.example");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("unsafe-inline", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("max-age=31536000; includeSubDomains", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.False(response.Headers.Contains("Server"));
        Assert.False(response.Headers.Contains("X-Powered-By"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
