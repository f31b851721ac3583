using System.Net;
using System.Text;
using Gateway.Authorization;
using Gateway.Proxy;
using Gateway.Routing;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Tests.Authorization;

public sealed class AuthorizationTests(FakeServicesGateway services) : IClassFixture<FakeServicesGateway>
{
    private readonly FakeServicesGateway _services = services.Reset();

    private GatewayHost Host => _services.Host;

    private FakeBackend AuthBackend => _services.AuthBackend;

    private FakeBackend RecordingsBackend => _services.RecordingsBackend;

    [Theory]
    [InlineData("GET", "/api/users")]
    [InlineData("POST", "/api/users")]
    [InlineData("PUT", "/api/users/vera")]
    [InlineData("DELETE", "/api/users/vera")]
    [InlineData("GET", "/api/audit/auth")]
    [InlineData("GET", "/api/audit/recordings")]
    [InlineData("DELETE", "/api/recordings/RE0123456789abcdef0123456789abcdef")]
    [InlineData("POST", "/api/recordings/sync")]
    public async Task Viewer_OnAdminRoute_Gets403Problem_AndNothingIsForwarded(string method, string path)
    {
        using var response = await SendAsync(method, path, Host.Identity.Mint(role: "viewer"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(AuthBackend.Requests);
        Assert.Empty(RecordingsBackend.Requests);
    }

    [Theory]
    [InlineData("GET", "/API/USERS")]
    [InlineData("GET", "/api/users/")]
    [InlineData("GET", "//api/users")]
    [InlineData("GET", "/api//users")]
    [InlineData("GET", "/api/./users")]
    [InlineData("GET", "/api/x/../users")]
    [InlineData("GET", "/api/Audit/Auth")]
    [InlineData("GET", "/api/audit/recordings/")]
    [InlineData("DELETE", "/API/Recordings/RE0123456789abcdef0123456789abcdef")]
    [InlineData("POST", "/api/recordings/SYNC")]
    public async Task Viewer_OnAdminRouteSpelledAnotherWay_IsNeverForwarded(string method, string path)
    {
        using var client = Host.CreateAnonymousClient();
        // Sent as written: no client-side normalisation of dot segments or slashes.
        using var request = new HttpRequestMessage(
            new HttpMethod(method),
            new Uri(
                Host.HttpsUrl.GetLeftPart(UriPartial.Authority) + path,
                new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }
            )
        );
        request.Headers.Authorization = new("Bearer", Host.Identity.Mint(role: "viewer"));

        using var response = await client.SendAsync(request);

        Assert.True(
            response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.BadRequest,
            $"{method} {path}: {response.StatusCode}"
        );
        Assert.Empty(AuthBackend.Requests);
        Assert.Empty(RecordingsBackend.Requests);
    }

    [Theory]
    [InlineData("GET", "/api/recordings")]
    [InlineData("GET", "/api/recordings/RE0123456789abcdef0123456789abcdef")]
    [InlineData("GET", "/api/recordings/RE0123456789abcdef0123456789abcdef/audio")]
    [InlineData("GET", "/api/auth/me")]
    [InlineData("POST", "/api/auth/logout")]
    public async Task Viewer_OnSignedInRoute_IsForwarded(string method, string path)
    {
        using var response = await SendAsync(method, path, Host.Identity.Mint(role: "viewer"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("DELETE", "/api/recordings/RE0123456789abcdef0123456789abcdef")]
    [InlineData("GET", "/api/users")]
    public async Task Admin_OnAdminRoute_IsForwarded(string method, string path)
    {
        using var response = await SendAsync(method, path, Host.Identity.Mint(role: "admin"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/api/auth/login")]
    [InlineData("POST", "/api/auth/passkeys/login/options")]
    [InlineData("POST", "/api/auth/passkeys/login")]
    [InlineData("POST", "/api/auth/refresh")]
    [InlineData("GET", "/.well-known/jwks.json")]
    [InlineData("GET", "/.well-known/openid-configuration")]
    [InlineData("POST", "/webhooks/recording")]
    [InlineData("GET", "/health")]
    [InlineData("GET", "/")]
    [InlineData("GET", "/js/sign-in.js")]
    public async Task AnonymousRoutes_NeedNoToken(string method, string path)
    {
        using var response = await SendAsync(method, path, bearer: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_WithoutSession_BrowserIsSentToSignIn_OtherClientsGet401()
    {
        using var client = Host.CreateAnonymousClient();
        using var navigation = new HttpRequestMessage(HttpMethod.Get, "/app/");
        navigation.Headers.Add("Accept", "text/html,application/xhtml+xml");
        using var browser = await client.SendAsync(navigation);
        using var script = await client.GetAsync("/app/js/app.js");

        Assert.Equal(HttpStatusCode.Redirect, browser.StatusCode);
        Assert.Equal("/", browser.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, script.StatusCode);
    }

    [Theory]
    [InlineData("/app")]
    [InlineData("/APP/")]
    [InlineData("/app/index.html")]
    [InlineData("/App/Index.html")]
    [InlineData("//app/")]
    [InlineData("/./app/")]
    [InlineData("/js/../app/")]
    public async Task Dashboard_SpelledAnyWay_NeverServesItsPageWithoutASession(string path)
    {
        using var client = Host.CreateAnonymousClient();
        using var navigation = new HttpRequestMessage(
            HttpMethod.Get,
            new Uri(Host.HttpsUrl.GetLeftPart(UriPartial.Authority) + path, UriKind.Absolute)
        );
        navigation.Headers.Add("Accept", "text/html");

        using var response = await client.SendAsync(navigation);
        var body = await response.Content.ReadAsStringAsync();

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("app.js", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_WithASession_ServesItsPage_NotStored()
    {
        using var client = Host.CreateAnonymousClient();
        using var navigation = new HttpRequestMessage(HttpMethod.Get, "/app/");
        navigation.Headers.Add("Accept", "text/html");
        navigation.Headers.Add("Cookie", "__Host-session=" + Host.Identity.Mint(role: "viewer"));

        using var response = await client.SendAsync(navigation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Matches(@"/app/js/app\.[0-9a-f]{10}\.js", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("GET", "/api/recordings")]
    [InlineData("GET", "/api/users")]
    [InlineData("GET", "/api/audit/auth")]
    [InlineData("GET", "/api/auth/mfa/totp")]
    [InlineData("DELETE", "/api/auth/mfa/totp")]
    [InlineData("GET", "/api/auth/passkeys")]
    [InlineData("DELETE", "/api/auth/passkeys/abc")]
    [InlineData("GET", "/ws")]
    public async Task AnEnrolOnlyToken_IsRefusedEverywhereElse_WithAProblemThatSaysWhy(string method, string path)
    {
        using var response = await SendAsync(method, path, Host.Identity.Mint(role: "admin", enrollOnly: true));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"mfa\":\"totp-setup-required\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(AuthBackend.Requests);
        Assert.Empty(RecordingsBackend.Requests);
    }

    [Theory]
    [InlineData("GET", "/api/auth/me")]
    [InlineData("POST", "/api/auth/logout")]
    [InlineData("POST", "/api/auth/mfa/totp/setup")]
    [InlineData("POST", "/api/auth/mfa/totp/confirm")]
    [InlineData("POST", "/api/auth/passkeys/register/options")]
    [InlineData("POST", "/api/auth/passkeys/register")]
    public async Task AnEnrolOnlyToken_ReachesTheEnrolment(string method, string path)
    {
        using var response = await SendAsync(method, path, Host.Identity.Mint(role: "admin", enrollOnly: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(AuthBackend.Requests);
    }

    [Fact]
    public async Task AnEnrolOnlyToken_GetsTheDashboard_WhichShowsTheEnrolment()
    {
        using var client = Host.CreateAnonymousClient();
        using var navigation = new HttpRequestMessage(HttpMethod.Get, "/app/");
        navigation.Headers.Add("Accept", "text/html");
        navigation.Headers.Add("Cookie", "__Host-session=" + Host.Identity.Mint(role: "admin", enrollOnly: true));

        using var response = await client.SendAsync(navigation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_WithAnExpiredSessionCookie_IsSentToSignIn()
    {
        using var client = Host.CreateAnonymousClient();
        using var navigation = new HttpRequestMessage(HttpMethod.Get, "/app/");
        navigation.Headers.Add("Accept", "text/html");
        navigation.Headers.Add("Cookie", "__Host-session=" + Host.Identity.Mint(now: DateTimeOffset.UtcNow.AddHours(-1)));

        using var response = await client.SendAsync(navigation);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task EveryRoute_NamesAPolicyThatExists()
    {
        var policies = Host.Services.GetRequiredService<IAuthorizationPolicyProvider>();
        foreach (var route in GatewayRoutes.Routes)
        {
            Assert.False(string.IsNullOrEmpty(route.AuthorizationPolicy), $"{route.RouteId} has no policy");
            if (route.AuthorizationPolicy != GatewayPolicies.Anonymous)
            {
                Assert.NotNull(await policies.GetPolicyAsync(route.AuthorizationPolicy!));
            }
        }
    }

    [Fact]
    public async Task RouteWithAnUnknownPolicy_IsRefusedByYarp()
    {
        var validator = Host.Services.GetRequiredService<Yarp.ReverseProxy.Configuration.IConfigValidator>();
        var route = GatewayRoutes.Routes[0] with { AuthorizationPolicy = "admni" };

        var errors = await validator.ValidateRouteAsync(route);

        Assert.Contains(errors, e => e.Message.Contains("admni", StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? bearer)
    {
        using var client = Host.CreateAnonymousClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method is "GET" or "DELETE" ? null : new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }

        return await client.SendAsync(request);
    }
}
