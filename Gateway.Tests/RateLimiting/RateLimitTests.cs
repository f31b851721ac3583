using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Gateway.RateLimiting;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Platform.Security.SignIn;

namespace Gateway.Tests.RateLimiting;

public sealed class RateLimitTests : IAsyncLifetime
{
    // Windows are aligned to the epoch: start the clock 100 s into a 900 s window, so Retry-After is known exactly.
    private readonly FakeTimeProvider _time = new(
        DateTimeOffset.FromUnixTimeSeconds(((DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 900) + 1) * 900 + 100)
    );
    private FakeBackend _backend = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await FakeBackend.StartAsync();
        _backend.Handler = async context =>
        {
            if (context.Request.Path.StartsWithSegments("/api/auth/login", StringComparison.OrdinalIgnoreCase))
            {
                var body = await context.Request.ReadFromJsonAsync<Dictionary<string, string>>();
                context.Response.StatusCode = body?["password"] == "right-password-1" ? 200 : 401;
                return;
            }

            await context.Response.WriteAsync("{}");
        };
        _gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["AUTH_SERVICE_URLS"] = _backend.Url.ToString(),
                ["RECORDINGS_SERVICE_URLS"] = _backend.Url.ToString(),
                ["TRUSTED_PROXIES"] = "127.0.0.1,::1",
                ["RATE_LIMIT_MAX"] = "100",
                ["LOGIN_RATE_LIMIT_MAX"] = "5",
                ["RATE_LIMIT_WINDOW_SECONDS"] = "900",
            },
            services: s => s.AddSingleton<TimeProvider>(_time)
        );
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Login_SixthAttemptFromSameIp_Returns429WithRetryAfterAndRateLimitHeaders_WhileAnotherIpStillSignsIn()
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var allowed = await LoginAsync("203.0.113.1", $"user{attempt}", "right-password-1");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal("\"login\";q=5;w=900", Header(allowed, "RateLimit-Policy"));
            Assert.Equal($"\"login\";r={5 - attempt};t=800", Header(allowed, "RateLimit"));
        }

        using var refused = await LoginAsync("203.0.113.1", "user6", "right-password-1");
        using var otherAddress = await LoginAsync("203.0.113.2", "user6", "right-password-1");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(800), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("\"login\";q=5;w=900", Header(refused, "RateLimit-Policy"));
        Assert.Equal("\"login\";r=0;t=800", Header(refused, "RateLimit"));
        Assert.Equal(HttpStatusCode.OK, otherAddress.StatusCode);
        Assert.Equal(6, _backend.Requests.Count);
    }

    [Fact]
    public async Task CodesToTurnASecondFactorOff_AreGuessedNoFasterThanPasswords()
    {
        // The signed-in route that takes a TOTP code has the sign-in budget per address, not the general one.
        using var client = _gateway.CreateAnonymousClient();
        var token = _gateway.Identity.Mint(role: "viewer", now: _time.GetUtcNow());
        for (var attempt = 1; attempt <= 6; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/auth/mfa/totp")
            {
                Content = JsonContent.Create(new { code = "123456" }),
            };
            request.Headers.Authorization = new("Bearer", token);
            request.Headers.Add("X-Forwarded-For", "203.0.113.50");
            using var response = await client.SendAsync(request);

            Assert.Equal("\"second-factor\";q=5;w=900", Header(response, "RateLimit-Policy"));
            Assert.Equal(attempt <= 5 ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests, response.StatusCode);
        }

        Assert.Equal(5, _backend.Requests.Count);
    }

    [Theory]
    [InlineData("/api/auth/login/")]
    [InlineData("/API/Auth/LOGIN")]
    public async Task Login_SpelledDifferently_CountsAgainstTheLoginLimit_OfTheRouteItReaches(string path)
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var failed = await LoginAsync("203.0.113.1", $"user{attempt}", "wrong-password", path);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
            Assert.Equal("\"login\";q=5;w=900", Header(failed, "RateLimit-Policy"));
        }

        // Before the limits were read from the matched route, a trailing slash was counted under the global limit:
        // wrong passwords kept getting 401, and a right one after the login budget was spent got 200.
        using var refused = await LoginAsync("203.0.113.1", "user6", "right-password-1", path);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(5, _backend.Requests.Count);
    }

    [Fact]
    public async Task LoginWithATrailingSlash_IsSlowedPerUsername_LikeTheCanonicalPath()
    {
        for (var i = 1; i <= 6; i++)
        {
            using var failed = await LoginAsync($"203.0.113.{i}", "vera", "guess-number-" + i, "/api/auth/login/");
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var tooSoon = await LoginAsync("203.0.113.7", "vera", "right-password-1", "/api/auth/login/");
        Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), tooSoon.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task UnroutedRequests_CountAgainstTheGlobalLimit_AndDashboardFilesDoNot()
    {
        using var client = _gateway.CreateAnonymousClient();
        using var unknown = await SendAsync(client, HttpMethod.Get, "/api/nothing-here", "198.51.100.9");
        using var page = await SendAsync(client, HttpMethod.Get, "/", "198.51.100.9");
        using var script = await SendAsync(client, HttpMethod.Get, "/js/sign-in.js", "198.51.100.9");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("\"global\";q=100;w=900", Header(unknown, "RateLimit-Policy"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.False(page.Headers.Contains("RateLimit"));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.False(script.Headers.Contains("RateLimit"));
        Assert.Empty(_backend.Requests);
    }

    [Fact]
    public async Task AddressesOfOneIpv6Slash64_ShareOneLoginBudget()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 8; i++)
        {
            using var response = await LoginAsync($"2001:db8:1:2::{i:x}", $"user{i}", "wrong-password");
            statuses.Add(response.StatusCode);
        }

        using var otherNetwork = await LoginAsync("2001:db8:1:3::1", "user9", "wrong-password");

        // One budget for the whole /64, not one per address: five 401s, then 429s.
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)], statuses);
        Assert.Equal(HttpStatusCode.Unauthorized, otherNetwork.StatusCode);
    }

    [Fact]
    public async Task Global_101stRequest_Returns429_UntilTheWindowEnds()
    {
        using var client = _gateway.CreateClient();
        for (var i = 1; i <= 100; i++)
        {
            using var ok = await SendAsync(client, HttpMethod.Get, "/api/recordings", "198.51.100.7");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await SendAsync(client, HttpMethod.Get, "/api/recordings", "198.51.100.7");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(800), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("\"global\";q=100;w=900", Header(refused, "RateLimit-Policy"));
        Assert.Equal(100, _backend.Requests.Count);

        _time.Advance(TimeSpan.FromSeconds(800));
        using var again = await SendAsync(client, HttpMethod.Get, "/api/recordings", "198.51.100.7");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("\"global\";r=99;t=900", Header(again, "RateLimit"));
    }

    [Fact]
    public async Task Health_IsNeverLimited()
    {
        using var client = _gateway.CreateAnonymousClient();
        for (var i = 0; i < 150; i++)
        {
            using var live = await client.GetAsync("/health");
            using var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, ready.StatusCode);
            Assert.False(live.Headers.Contains("RateLimit"));
        }
    }

    [Fact]
    public async Task WebhookBurstFromOneAddress_IsNotHeldToTheGlobalRate()
    {
        using var client = _gateway.CreateAnonymousClient();
        for (var i = 0; i < 250; i++)
        {
            using var response = await SendAsync(client, HttpMethod.Post, "/webhooks/recording", "54.172.60.1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var last = await SendAsync(client, HttpMethod.Post, "/webhooks/recording", "54.172.60.1");
        Assert.Equal("\"webhook\";q=3000;w=60", Header(last, "RateLimit-Policy"));
    }

    [Fact]
    public async Task SpoofedForwardedFor_FromAnUntrustedClient_DoesNotEscapeTheLimit()
    {
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = _backend.Url.ToString(), ["RATE_LIMIT_MAX"] = "3" },
            services: s => s.AddSingleton<TimeProvider>(_time)
        );
        using var client = gateway.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await SendAsync(client, HttpMethod.Get, "/api/recordings", $"192.0.2.{i}");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
            statuses
        );
    }

    [Fact]
    public async Task FailedSignInsForOneUsername_FromManyAddresses_GetGrowingDelays_ThatASuccessClears()
    {
        // Five failures are free, each from its own address (the per-address limit never bites).
        for (var i = 1; i <= 5; i++)
        {
            using var failed = await LoginAsync($"203.0.113.{i}", "Vera", "guess-number-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var sixth = await LoginAsync("203.0.113.6", "vera", "guess-number-6");
        Assert.Equal(HttpStatusCode.Unauthorized, sixth.StatusCode); // judged, and now vera waits 2 s

        using var tooSoon = await LoginAsync("203.0.113.7", "VERA", "right-password-1");
        Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), tooSoon.Headers.RetryAfter?.Delta);
        using var otherUser = await LoginAsync("203.0.113.7", "walter", "right-password-1");
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);

        _time.Advance(TimeSpan.FromSeconds(2));
        using var seventh = await LoginAsync("203.0.113.8", "vera", "guess-number-7");
        Assert.Equal(HttpStatusCode.Unauthorized, seventh.StatusCode);
        using var doubled = await LoginAsync("203.0.113.9", "vera", "right-password-1");
        Assert.Equal(TimeSpan.FromSeconds(4), doubled.Headers.RetryAfter?.Delta);

        _time.Advance(TimeSpan.FromSeconds(4));
        using var success = await LoginAsync("203.0.113.10", "vera", "right-password-1");
        Assert.Equal(HttpStatusCode.OK, success.StatusCode);
        using var afterSuccess = await LoginAsync("203.0.113.11", "vera", "guess-number-8");
        Assert.Equal(HttpStatusCode.Unauthorized, afterSuccess.StatusCode);
    }

    [Theory]
    [InlineData("{{\"Username\":\"{0}\",\"password\":\"right-password-1\"}}")]
    [InlineData("{{\"USERNAME\":\"{0}\",\"Password\":\"right-password-1\"}}")]
    public async Task DuringASlowdown_AnotherSpellingOfTheUsernameProperty_IsSlowedToo(string bodyFormat)
    {
        for (var i = 1; i <= 6; i++)
        {
            using var failed = await LoginAsync($"203.0.113.{i}", "victim", "guess-number-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // The AuthService binds property names without case; the slowdown read only "username", so this got 200.
        using var client = _gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = new StringContent(string.Format(CultureInfo.InvariantCulture, bodyFormat, "Victim"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-For", "203.0.113.50");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(6, _backend.Requests.Count);
    }

    [Fact]
    public async Task ConcurrentGuesses_CannotAllPassOneCheck()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _backend.Handler = async context =>
        {
            await release.Task; // every guess in flight at once: none has been judged when the others are checked
            context.Response.StatusCode = 401;
        };
        for (var i = 1; i <= SignInSlowdownFree; i++)
        {
            var free = LoginAsync($"198.51.100.{i}", "vera", "guess-" + i);
            release.TrySetResult();
            using var failed = await free;
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = _backend.Requests.Count;
        var guesses = Enumerable.Range(0, 20).Select(i => LoginAsync($"192.0.2.{i + 1}", "vera", "parallel-guess-" + i)).ToList();
        await Wait.UntilAsync(
            () => guesses.Count(g => g.IsCompleted) + (_backend.Requests.Count - before) >= 20,
            TimeSpan.FromSeconds(10),
            "every guess is either refused or at the AuthService"
        );
        release.TrySetResult();
        var responses = await Task.WhenAll(guesses);
        var statuses = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }

        // Attempts are reserved when checked: one more guess was free, the other 19 had to wait.
        Assert.Equal(1, _backend.Requests.Count - before);
        Assert.Equal(19, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    private const int SignInSlowdownFree = SignInSlowdown.FreeFailures;

    [Fact]
    public async Task WhileAUsernameIsUnderAttack_ItsOwnersDevice_StillSignsIn()
    {
        for (var i = 1; i <= 6; i++)
        {
            using var failed = await LoginAsync($"203.0.113.{i}", "vera", "guess-number-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var device = DeviceToken("vera");
        using var stranger = await LoginAsync("198.51.100.20", "vera", "right-password-1");
        using var owner = await LoginAsync("198.51.100.21", "vera", "right-password-1", device: device);

        Assert.Equal(HttpStatusCode.TooManyRequests, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    public static TheoryData<string> ForeignDevices() => ["another-user", "an-access-token", "expired", "unsigned"];

    [Theory]
    [MemberData(nameof(ForeignDevices))]
    public async Task ADeviceCookieThatIsNotThisUsersDevice_GetsNoExemption(string kind)
    {
        for (var i = 1; i <= 6; i++)
        {
            using var failed = await LoginAsync($"203.0.113.{i}", "vera", "guess-number-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var identity = _gateway.Identity;
        var cookie = kind switch
        {
            "another-user" => DeviceToken("walter"),
            "an-access-token" => identity.Mint(subject: "vera"),
            "expired" => identity.Mint(
                subject: "vera",
                audience: DeviceTokens.Audience,
                type: DeviceTokens.TokenType,
                now: _time.GetUtcNow().AddDays(-100),
                lifetime: TimeSpan.FromDays(90)
            ),
            _ => string.Join('.', DeviceToken("vera").Split('.')[..2]) + ".",
        };

        using var response = await LoginAsync("198.51.100.22", "vera", "right-password-1", device: cookie);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task ADevicesFailures_UseUpItsOwnBudget_ThenItsCookieNoLongerCounts()
    {
        var device = DeviceToken("vera");
        for (var i = 1; i <= DeviceTokens.FailureBudget; i++)
        {
            using var failed = await LoginAsync("198.51.100.30", "vera", "mistyped-" + i, device: device);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // The device's failures did not count against the username: a stranger is not slowed.
        using var other = await LoginAsync("198.51.100.31", "vera", "guess-0");
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);

        // Past its budget the cookie is cleared and the attempt is judged like any other (counting for the username).
        using var spent = await LoginAsync("198.51.100.30", "vera", "right-password-1", device: device);
        Assert.Equal(HttpStatusCode.OK, spent.StatusCode);
        Assert.Contains(spent.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-device=;", StringComparison.Ordinal));
        for (var i = 1; i <= SignInSlowdownFree + 1; i++)
        {
            using var failed = await LoginAsync($"203.0.113.{i}", "vera", "guess-number-" + i, device: device);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var slowed = await LoginAsync("198.51.100.30", "vera", "right-password-1", device: device);
        Assert.Equal(HttpStatusCode.TooManyRequests, slowed.StatusCode);
    }

    private string DeviceToken(string username) =>
        _gateway.Identity.Mint(
            subject: username,
            audience: DeviceTokens.Audience,
            type: DeviceTokens.TokenType,
            now: _time.GetUtcNow(),
            lifetime: TimeSpan.FromDays(90)
        );

    [Fact]
    public async Task WhenTheAuthServiceIsBusyHashing_SignInsAreAnsweredAtTheGatewayForASecond()
    {
        var busy = true;
        _backend.Handler = context =>
        {
            context.Response.StatusCode = busy ? 503 : 200;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        };

        using var first = await LoginAsync("203.0.113.1", "vera", "some-password-1");
        busy = false;
        using var shed = await LoginAsync("203.0.113.2", "walter", "some-password-2");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), shed.Headers.RetryAfter?.Delta);
        Assert.Single(_backend.Requests); // the second never reached the AuthService

        _time.Advance(RateLimitingMiddleware.BusyShedding);
        using var later = await LoginAsync("203.0.113.3", "walter", "some-password-2");
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task SignInsRefusedForLoad_CostTheAddressNoneOfItsBudget()
    {
        var busy = true;
        _backend.Handler = context =>
        {
            context.Response.StatusCode = busy ? 503 : 200;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        };

        // A flood keeps the AuthService busy: twelve attempts from one address, each refused 503, by the AuthService
        // (the first after each second) or by the gateway's shedding in between.
        for (var i = 0; i < 12; i++)
        {
            using var refused = await LoginAsync("203.0.113.50", "vera", "some-password-1");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            if (i % 2 == 1)
            {
                _time.Advance(RateLimitingMiddleware.BusyShedding);
            }
        }

        Assert.True(_backend.Requests.Count >= 6, "the AuthService itself refused several");
        busy = false;
        _time.Advance(RateLimitingMiddleware.BusyShedding);
        using var signIn = await LoginAsync("203.0.113.50", "vera", "some-password-1");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("r=4", Header(signIn, "RateLimit"), StringComparison.Ordinal); // only this one counted
    }

    [Fact]
    public async Task WrongSecondFactorCodes_SlowTheUsernameDown_AsFailedSignInsDo_FromAnyAddress()
    {
        _backend.Handler = context =>
        {
            // The AuthService's answer to a wrong code: 400.
            context.Response.StatusCode = context.Request.Path.StartsWithSegments("/api/auth/mfa/totp", StringComparison.Ordinal) ? 400 : 200;
            return Task.CompletedTask;
        };
        var token = _gateway.Identity.Mint(subject: "vera", now: _time.GetUtcNow());

        for (var i = 1; i <= SignInSlowdownFree + 1; i++)
        {
            using var wrong = await DisableSecondFactorAsync(token, $"203.0.113.{100 + i}");
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        using var slowed = await DisableSecondFactorAsync(token, "198.51.100.77");
        Assert.Equal(HttpStatusCode.TooManyRequests, slowed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), slowed.Headers.RetryAfter?.Delta);
        // One slowdown per username: the password's sign-in waits too.
        using var signIn = await LoginAsync("198.51.100.78", "vera", "right-password-1");
        Assert.Equal(HttpStatusCode.TooManyRequests, signIn.StatusCode);
    }

    private async Task<HttpResponseMessage> DisableSecondFactorAsync(string token, string clientIp)
    {
        using var client = _gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/auth/mfa/totp") { Content = JsonContent.Create(new { code = "000000" }) };
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("X-Forwarded-For", clientIp);
        return await client.SendAsync(request);
    }

    [Fact]
    public void GrowingDelay_IsCappedAtFifteenMinutes()
    {
        Assert.Equal(TimeSpan.Zero, SignInSlowdown.DelayAfter(5));
        Assert.Equal(TimeSpan.FromSeconds(2), SignInSlowdown.DelayAfter(6));
        Assert.Equal(TimeSpan.FromSeconds(512), SignInSlowdown.DelayAfter(14));
        Assert.Equal(TimeSpan.FromMinutes(15), SignInSlowdown.DelayAfter(15));
        Assert.Equal(TimeSpan.FromMinutes(15), SignInSlowdown.DelayAfter(500));
    }

    [Fact]
    public async Task PasskeySignIns_CountInTheAddresssSignInBudget_WhileTheirOptionsDoNot()
    {
        using var client = _gateway.CreateAnonymousClient();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var options = await SendAsync(client, HttpMethod.Post, "/api/auth/passkeys/login/options", "203.0.113.7");
            Assert.Equal(HttpStatusCode.OK, options.StatusCode);
            using var signIn = await SendAsync(client, HttpMethod.Post, "/api/auth/passkeys/login", "203.0.113.7");
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            Assert.StartsWith($"\"login\";r={5 - attempt};", Header(signIn, "RateLimit"), StringComparison.Ordinal);
        }

        using var refused = await SendAsync(client, HttpMethod.Post, "/api/auth/passkeys/login", "203.0.113.7");
        using var stillOptions = await SendAsync(client, HttpMethod.Post, "/api/auth/passkeys/login/options", "203.0.113.7");
        using var password = await LoginAsync("203.0.113.7", "someone", "right-password-1");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillOptions.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, password.StatusCode); // one budget for both ways of signing in
    }

    private async Task<HttpResponseMessage> LoginAsync(
        string clientIp,
        string username,
        string password,
        string path = "/api/auth/login",
        string? device = null
    )
    {
        using var client = _gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { username, password }) };
        if (device is not null)
        {
            request.Headers.Add("Cookie", "__Host-device=" + device);
        }

        request.Headers.Add("X-Forwarded-For", clientIp);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string clientIp)
    {
        using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Get ? null : new StringContent("x") };
        request.Headers.Add("X-Forwarded-For", clientIp);
        return await client.SendAsync(request);
    }

    private static string Header(HttpResponseMessage response, string name) => string.Join(",", response.Headers.GetValues(name));
}
