using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AuthService.Users;
using Microsoft.Extensions.DependencyInjection;
using Platform.Storage.Audit;
using Services.Tests.Infrastructure;

namespace Services.Tests.Auth;

public sealed class SignInTests : IAsyncLifetime
{
    private readonly AuthHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Login_WithRightPassword_ReturnsTokensAndStrictCookies()
    {
        using var client = _host.Client();
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, JsonElement>>();
        Assert.Equal("Bearer", body!["token_type"].GetString());
        Assert.Equal(900, body["expires_in"].GetInt32());
        Assert.False(string.IsNullOrEmpty(body["access_token"].GetString()));
        Assert.False(string.IsNullOrEmpty(body["refresh_token"].GetString()));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        var session = Assert.Single(cookies, c => c.StartsWith("__Host-session=", StringComparison.Ordinal));
        var refresh = Assert.Single(cookies, c => c.StartsWith("__Secure-refresh=", StringComparison.Ordinal));
        Assert.Contains($"__Host-session={body["access_token"].GetString()};", session, StringComparison.Ordinal);
        foreach (var flag in new[] { "path=/;", "secure", "samesite=strict", "httponly" })
        {
            Assert.Contains(flag, session.ToLowerInvariant() + ";", StringComparison.Ordinal);
        }

        Assert.DoesNotContain("domain=", session.ToLowerInvariant(), StringComparison.Ordinal);
        foreach (var flag in new[] { "path=/api/auth", "secure", "samesite=strict", "httponly" })
        {
            Assert.Contains(flag, refresh.ToLowerInvariant(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Login_WrongPasswordAndUnknownUser_GetTheSameAnswer()
    {
        using var client = _host.Client();
        using var wrongPassword = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "not-the-password" });
        using var unknownUser = await client.PostAsJsonAsync("/api/auth/login", new { username = "nobody", password = "not-the-password" });

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownUser.StatusCode);
        Assert.Equal(await wrongPassword.Content.ReadAsStringAsync(), await unknownUser.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", unknownUser.Content.Headers.ContentType?.MediaType);
        Assert.False(wrongPassword.Headers.Contains("Set-Cookie"));

        var admin = await _host.SignInAsync();
        var audit = await _host.AuditAsync(admin.AccessToken);
        Assert.Contains(audit, e =>
            e.GetProperty("action").GetString() == "sign-in"
            && e.GetProperty("outcome").GetString() == "failure"
            && e.GetProperty("target").GetString() == "nobody"
            && e.GetProperty("detail").GetString() == "unknown-user"
        );
        Assert.Contains(audit, e =>
            e.GetProperty("action").GetString() == "sign-in"
            && e.GetProperty("outcome").GetString() == "failure"
            && e.GetProperty("target").GetString() == "admin"
            && e.GetProperty("detail").GetString() == "wrong-password"
        );
    }

    [Fact]
    public async Task Login_SetsADeviceCookie_ThatNamesTheUser_AndIsNoAccessToken()
    {
        var signIn = await _host.SignInAsync();

        var cookie = Assert.Single(signIn.Cookies, c => c.StartsWith("__Host-device=", StringComparison.Ordinal));
        foreach (var flag in new[] { "path=/;", "secure", "samesite=strict", "httponly" })
        {
            Assert.Contains(flag, cookie.ToLowerInvariant() + ";", StringComparison.Ordinal);
        }

        var device = cookie.Split(';')[0]["__Host-device=".Length..];
        Assert.Equal("device+jwt", Jwt.Header(device).GetProperty("typ").GetString());
        Assert.Equal("admin", Jwt.Payload(device).GetProperty("sub").GetString());
        Assert.Equal("recordings-platform-device", Jwt.Payload(device).GetProperty("aud").GetString());
        // It recognises a browser at sign-in; it opens nothing.
        using var asAccess = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", device);
        Assert.Equal(HttpStatusCode.Unauthorized, asAccess.StatusCode);
    }

    [Theory]
    [InlineData("Origin", "https://calls.example.com")]
    [InlineData("Sec-Fetch-Site", "same-origin")]
    public async Task Login_FromABrowser_SetsTheCookies_ButPutsNoTokenInTheBody(string header, string value)
    {
        using var client = _host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = JsonContent.Create(new { username = "admin", password = AuthHost.AdminPassword }),
        };
        request.Headers.Add(header, value);

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        // A script injected into the page could read a token from the body; it cannot read an HttpOnly cookie.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        var session = cookies.Single(c => c.StartsWith("__Host-session=", StringComparison.Ordinal)).Split(';')[0]["__Host-session=".Length..];
        var refresh = cookies.Single(c => c.StartsWith("__Secure-refresh=", StringComparison.Ordinal)).Split(';')[0]["__Secure-refresh=".Length..];
        Assert.DoesNotContain("access_token", body, StringComparison.Ordinal);
        Assert.DoesNotContain("refresh_token", body, StringComparison.Ordinal);
        Assert.DoesNotContain(session, body, StringComparison.Ordinal);
        Assert.DoesNotContain(refresh, body, StringComparison.Ordinal);
        Assert.Contains("\"expires_in\":900", body, StringComparison.Ordinal);

        // Refreshing with the cookie from the page: new cookies, again no token in the body.
        using var refreshRequest = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        refreshRequest.Headers.Add("Cookie", "__Secure-refresh=" + refresh);
        refreshRequest.Headers.Add(header, value);
        using var refreshed = await client.SendAsync(refreshRequest);
        var refreshedBody = await refreshed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.DoesNotContain("access_token", refreshedBody, StringComparison.Ordinal);
        Assert.DoesNotContain("refresh_token", refreshedBody, StringComparison.Ordinal);
        Assert.Contains(refreshed.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-session=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"username\":\"admin\",", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"username\":\"admin\"}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"password\":\"admin-password-123\"}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("[\"admin\",\"admin-password-123\"]", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"username\":42,\"password\":\"admin-password-123\"}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"username\":\"<script>\",\"password\":\"admin-password-123\"}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"username\":\"admin\\n\",\"password\":\"admin-password-123\"}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("username=admin&password=admin-password-123", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    public async Task Login_MalformedRequests_AreRefusedWithProblem(string body, string contentType, HttpStatusCode status)
    {
        using var client = _host.Client();
        using var response = await client.PostAsync("/api/auth/login", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Login_OverLongPassword_IsRefusedNotTruncated()
    {
        var password = AuthHost.AdminPassword + new string('x', 80);
        using var client = _host.Client();
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("72 bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessToken_HasTheContractsHeaderAndClaims()
    {
        var signIn = await _host.SignInAsync();

        var header = Jwt.Header(signIn.AccessToken);
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        var kid = header.GetProperty("kid").GetString();
        using var client = _host.Client();
        var jwks = await client.GetStringAsync("/.well-known/jwks.json");
        Assert.Contains($"\"kid\":\"{kid}\"", jwks, StringComparison.Ordinal);

        var claims = Jwt.Payload(signIn.AccessToken);
        Assert.Equal("recordings-platform-auth", claims.GetProperty("iss").GetString());
        Assert.Equal("recordings-platform", claims.GetProperty("aud").GetString());
        Assert.Equal("admin", claims.GetProperty("sub").GetString());
        Assert.Equal("admin", claims.GetProperty("role").GetString());
        Assert.Equal(32, claims.GetProperty("jti").GetString()!.Length);
        Assert.Equal(_host.Time.GetUtcNow().ToUnixTimeSeconds(), claims.GetProperty("iat").GetInt64());
        Assert.Equal(15 * 60, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
        Assert.False(string.IsNullOrEmpty(claims.GetProperty("sid").GetString()));
    }

    [Fact]
    public async Task Me_WithToken_ReturnsUsernameAndRole_AndExpiresWithTheToken()
    {
        var signIn = await _host.SignInAsync();

        using var me = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", signIn.AccessToken);
        var body = await me.Content.ReadFromJsonAsync<Dictionary<string, JsonElement>>();
        Assert.Equal("admin", body!["username"].GetString());
        Assert.Equal("admin", body["role"].GetString());
        Assert.Equal(Jwt.Payload(signIn.AccessToken).GetProperty("exp").GetInt64(), body["expiresAt"].GetDateTimeOffset().ToUnixTimeSeconds());

        _host.Time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(31));
        using var expired = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", signIn.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    [Fact]
    public async Task Me_WithTheSessionCookie_Works()
    {
        var signIn = await _host.SignInAsync();
        using var client = _host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth/me");
        request.Headers.Add("Cookie", $"__Host-session={signIn.AccessToken}");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Jwks_PublishesOnlyPublicKeyMembers_WithCacheControl()
    {
        using var client = _host.Client();
        using var response = await client.GetAsync("/.well-known/jwks.json");
        var body = await response.Content.ReadAsStringAsync();

        using var json = System.Text.Json.JsonDocument.Parse(body);
        var key = Assert.Single(json.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(["alg", "crv", "kid", "kty", "use", "x", "y"], key.EnumerateObject().Select(p => p.Name).Order().ToArray());
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.Contains("max-age", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);

        var discovery = await client.GetStringAsync("/.well-known/openid-configuration");
        Assert.Contains("\"issuer\":\"recordings-platform-auth\"", discovery, StringComparison.Ordinal);
        Assert.Contains("/.well-known/jwks.json\"", discovery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiscoveryDocument_NamesTheConfiguredOrigin_WhateverHostTheRequestCarries()
    {
        await using var host = new AuthHost(new Dictionary<string, string> { ["PUBLIC_BASE_URL"] = "https://calls.example.com" });
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Host = "evil.example";
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-Proto", "http");

        using var response = await client.SendAsync(request);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("https://calls.example.com/.well-known/jwks.json", json.RootElement.GetProperty("jwks_uri").GetString());
    }

    [Fact]
    public async Task AuditEntries_OlderThanTheRetention_AreDeleted_NewerOnesKept()
    {
        await using var host = new AuthHost(new Dictionary<string, string> { ["AUDIT_RETENTION_DAYS"] = "30" });
        using (var client = host.Client())
        using (await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "an-old-wrong-password" })) { }

        // 31 days on, the hourly run (on the test's clock) deletes what is older than 30 days; run it once more to be sure.
        host.Time.Advance(TimeSpan.FromDays(31));
        var admin = await host.SignInAsync();
        await host.Services.GetRequiredService<AuditRetention>().RunOnceAsync(CancellationToken.None);

        var audit = await host.AuditAsync(admin.AccessToken);
        Assert.DoesNotContain(audit, e => e.GetProperty("outcome").GetString() == "failure");
        Assert.DoesNotContain(audit, e => e.GetProperty("action").GetString() == "admin-seeded");
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "sign-in" && e.GetProperty("outcome").GetString() == "success");
    }

    [Fact]
    public async Task StoredHashOfLowerCost_IsUpgradedAtSignIn()
    {
        await using var host = new AuthHost(new Dictionary<string, string> { ["BCRYPT_WORK_FACTOR"] = "11" });

        var signIn = await host.SignInAsync();

        var stored = await host.Services.GetRequiredService<IUserStore>().FindAsync("admin");
        Assert.StartsWith("$2a$11$", stored!.PasswordHash, StringComparison.Ordinal);
        Assert.True(BCrypt.Net.BCrypt.Verify(AuthHost.AdminPassword, stored.PasswordHash));
        var audit = await host.AuditAsync(signIn.AccessToken);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "password-rehashed");
    }

    [Fact]
    public async Task SignInFlood_BeyondTheHashingBound_Answers503QuicklyWithRetryAfter()
    {
        await using var host = new AuthHost(new Dictionary<string, string> { ["HASHING_CONCURRENCY"] = "1", ["BCRYPT_WORK_FACTOR"] = "12" });
        _ = host.Client(); // start the host before the flood

        var attempts = Enumerable
            .Range(0, 24)
            .Select(async i =>
            {
                using var client = host.Client();
                using var response = await client.PostAsJsonAsync("/api/auth/login", new { username = $"user{i}", password = "wrong-password-123" });
                return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta);
            });
        var results = await Task.WhenAll(attempts);

        var busy = results.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.True(busy.Count >= 12, $"only {busy.Count} of 24 were refused as busy");
        Assert.All(busy, r => Assert.Equal(TimeSpan.FromSeconds(1), r.RetryAfter));
        Assert.All(results, r =>
            Assert.True(r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable, r.StatusCode.ToString())
        );
        // A refusal does no work: only the attempts that were hashed were judged (and audited) as failed sign-ins.
        var judged = results.Count(r => r.StatusCode == HttpStatusCode.Unauthorized);
        var admin = await host.SignInAsync();
        var failures = (await host.AuditAsync(admin.AccessToken)).Count(e =>
            e.GetProperty("action").GetString() == "sign-in" && e.GetProperty("outcome").GetString() == "failure"
        );
        Assert.Equal(judged, failures);
    }

    [Fact]
    public async Task AFloodThatFillsTheHashingQueue_NeitherRefusesNorDelaysTheUsersOwnDevice()
    {
        // The guesses go to the admin, whose stored hash has cost 14: each keeps the one hashing thread busy for about a
        // second. The own device is vera's, whose hash has the configured cost 10: her sign-in is a sixteenth of a
        // guess's work, so it ends while the first guess is still being hashed, also on a loaded machine where the
        // low-priority hashing threads get little CPU (queued guesses give up after 5 s, so "still queued" cannot be
        // what the test waits on).
        await using var host = new AuthHost(
            new Dictionary<string, string>
            {
                ["HASHING_CONCURRENCY"] = "1",
                ["ADMIN_PASSWORD_HASH"] = BCrypt.Net.BCrypt.HashPassword(AuthHost.AdminPassword, 14),
            }
        );
        var admin = await host.SignInAsync();
        using (
            var created = await host.SendAsync(
                HttpMethod.Post,
                "/api/users",
                admin.AccessToken,
                new
                {
                    username = "vera",
                    password = VeraPassword,
                    role = "viewer",
                }
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var before = await host.SignInAsync("vera", VeraPassword);
        var device = before.Cookies.Single(c => c.StartsWith("__Host-device=", StringComparison.Ordinal)).Split(';')[0];

        var firstRefusal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var flood = Enumerable
            .Range(0, 12)
            .Select(async i =>
            {
                using var client = host.Client();
                using var response = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = $"wrong-password-{i}" });
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    firstRefusal.TrySetResult();
                }

                return response.StatusCode;
            })
            .ToList();
        await firstRefusal.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The common lane is full: vera without her device cookie is refused, and so is an attempt on another username
        // with her cookie; vera with it signs in while the first guess is still being hashed.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SignInStatusAsync(host, cookie: null, "vera", VeraPassword));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SignInStatusAsync(host, device));
        Assert.Equal(HttpStatusCode.OK, await SignInStatusAsync(host, device, "vera", VeraPassword));
        Assert.Contains(flood, attempt => !attempt.IsCompleted);

        var guesses = await Task.WhenAll(flood);
        Assert.All(guesses, status => Assert.True(status is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable, status.ToString()));
    }

    private const string VeraPassword = "viewer-password-1";

    private static async Task<HttpStatusCode> SignInStatusAsync(
        AuthHost host,
        string? cookie,
        string username = "admin",
        string password = AuthHost.AdminPassword
    )
    {
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { username, password }) };
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
