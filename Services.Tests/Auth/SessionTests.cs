using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Services.Tests.Infrastructure;

namespace Services.Tests.Auth;

public sealed class SessionTests : IAsyncLifetime
{
    private readonly AuthHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Refresh_ReturnsANewPair_AndTheOldRefreshTokenIsDead()
    {
        var signIn = await _host.SignInAsync();

        using var first = await _host.RefreshAsync(signIn.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var pair = await first.Content.ReadFromJsonAsync<Dictionary<string, JsonElement>>();
        var newRefresh = pair!["refresh_token"].GetString()!;
        Assert.NotEqual(signIn.RefreshToken, newRefresh);
        Assert.Equal(signIn.SessionId, Jwt.Payload(pair["access_token"].GetString()!).GetProperty("sid").GetString());
        using var me = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", pair["access_token"].GetString()!);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task Refresh_ReusingADeadToken_EndsTheWholeSession()
    {
        var signIn = await _host.SignInAsync();
        using var rotated = await _host.RefreshAsync(signIn.RefreshToken);
        var newRefresh = (await rotated.Content.ReadFromJsonAsync<Dictionary<string, JsonElement>>())!["refresh_token"].GetString()!;

        using var reuse = await _host.RefreshAsync(signIn.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);

        // The legitimate successor dies with the family, and so does the access token.
        using var successor = await _host.RefreshAsync(newRefresh);
        Assert.Equal(HttpStatusCode.Unauthorized, successor.StatusCode);
        using var me = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", signIn.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        Assert.Contains(signIn.SessionId, await _host.RevokedSessionsAsync());

        var admin = await _host.SignInAsync();
        var audit = await _host.AuditAsync(admin.AccessToken);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "refresh-reuse" && e.GetProperty("target").GetString() == "admin");
    }

    [Fact]
    public async Task Refresh_WithTheCookie_SetsNewCookies()
    {
        var signIn = await _host.SignInAsync();
        using var client = _host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        request.Headers.Add("Cookie", $"__Secure-refresh={signIn.RefreshToken}");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(cookies, c => c.StartsWith("__Host-session=ey", StringComparison.Ordinal));
        Assert.Contains(cookies, c =>
            c.StartsWith("__Secure-refresh=", StringComparison.Ordinal) && !c.Contains(signIn.RefreshToken, StringComparison.Ordinal)
        );
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("")]
    public async Task Refresh_WithAnUnknownToken_Is401AndClearsCookies(string token)
    {
        using var response = await _host.RefreshAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-session=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Session_EndsAfterItsIdleTime()
    {
        var signIn = await _host.SignInAsync();

        _host.Time.Advance(TimeSpan.FromMinutes(121));
        using var response = await _host.RefreshAsync(signIn.RefreshToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Session_EndsAtItsAbsoluteLifetime_EvenWhenRefreshedRegularly()
    {
        var signIn = await _host.SignInAsync();
        var refresh = signIn.RefreshToken;
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromHours(11.5); elapsed += TimeSpan.FromMinutes(30))
        {
            _host.Time.Advance(TimeSpan.FromMinutes(30));
            using var ok = await _host.RefreshAsync(refresh);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            refresh = (await ok.Content.ReadFromJsonAsync<Dictionary<string, JsonElement>>())!["refresh_token"].GetString()!;
        }

        _host.Time.Advance(TimeSpan.FromMinutes(31));
        using var ended = await _host.RefreshAsync(refresh);
        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
    }

    [Fact]
    public async Task Logout_EndsTheSession_ClearsCookies_AndPublishesIt()
    {
        var signIn = await _host.SignInAsync();

        using var logout = await _host.SendAsync(HttpMethod.Post, "/api/auth/logout", signIn.AccessToken);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        var cleared = logout.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(cleared, c =>
            c.StartsWith("__Host-session=;", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970", StringComparison.Ordinal)
        );
        Assert.Contains(cleared, c =>
            c.StartsWith("__Secure-refresh=;", StringComparison.Ordinal) && c.Contains("path=/api/auth", StringComparison.Ordinal)
        );
        using var me = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", signIn.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        using var refresh = await _host.RefreshAsync(signIn.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        Assert.Contains(signIn.SessionId, await _host.RevokedSessionsAsync());
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Negotiate abc")]
    public async Task Me_WithTheSessionCookieBesideANonBearerAuthorizationHeader_UsesTheCookie(string authorization)
    {
        var signIn = await _host.SignInAsync();
        using var client = _host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth/me");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Add("Cookie", $"__Host-session={signIn.AccessToken}");

        using var response = await client.SendAsync(request);

        // The gateway accepts this request (bearer header, else the cookie); the service must take the same token.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Logout_WithoutToken_Is401()
    {
        using var client = _host.Client();
        using var response = await client.PostAsync("/api/auth/logout", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RevocationFeed_ReturnsOnlyWhatIsNewSinceTheCursor_AndForgetsExpiredEntries()
    {
        var first = await _host.SignInAsync();
        var second = await _host.SignInAsync();
        using (await _host.SendAsync(HttpMethod.Post, "/api/auth/logout", first.AccessToken)) { }

        using var client = _host.Client();
        var all = await client.GetFromJsonAsync<JsonElement>("/internal/revocations?since=0");
        var cursor = all.GetProperty("cursor").GetInt64();
        using (await _host.SendAsync(HttpMethod.Post, "/api/auth/logout", second.AccessToken)) { }

        var next = await client.GetFromJsonAsync<JsonElement>($"/internal/revocations?since={cursor}");
        Assert.Equal([second.SessionId], next.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sid").GetString()));

        // Once every token of a revoked session has expired, the entry is no longer needed.
        _host.Time.Advance(TimeSpan.FromMinutes(16));
        var later = await client.GetFromJsonAsync<JsonElement>("/internal/revocations?since=0");
        Assert.Empty(later.GetProperty("sessions").EnumerateArray());

        using var bad = await client.GetAsync("/internal/revocations?since=-1");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
