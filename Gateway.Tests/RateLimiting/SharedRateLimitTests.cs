using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.RateLimiting;

/// <summary>Two gateways on one Redis (REDIS_URL) count as one: the limits are per client, not per client and gateway.</summary>
public sealed class SharedRateLimitTests : IAsyncLifetime
{
    private static int _nextAddress;
    private RedisServer _redis = null!;
    private FakeBackend _backend = null!;
    private GatewayHost _one = null!;
    private GatewayHost _two = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _backend = await FakeBackend.StartAsync();
        _backend.Handler = async context =>
        {
            var body = await context.Request.ReadFromJsonAsync<Dictionary<string, string>>();
            context.Response.StatusCode = body?["password"] == "right-password-1" ? 200 : 401;
        };
        _one = await StartGatewayAsync();
        _two = await StartGatewayAsync();
    }

    public async Task DisposeAsync()
    {
        await _one.DisposeAsync();
        await _two.DisposeAsync();
        await _backend.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task TheLoginBudget_IsSharedByEveryGateway_WithExactHeaders()
    {
        var address = NewAddress();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var allowed = await LoginAsync(attempt % 2 == 0 ? _two : _one, address, $"user{attempt}", "right-password-1");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.StartsWith($"\"login\";r={5 - attempt};t=", Header(allowed, "RateLimit"), StringComparison.Ordinal);
        }

        foreach (var gateway in new[] { _one, _two })
        {
            using var refused = await LoginAsync(gateway, address, "user6", "right-password-1");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var retryAfter = refused.Headers.RetryAfter!.Delta!.Value;
            Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(900));
            Assert.Equal($"\"login\";r=0;t={(long)retryAfter.TotalSeconds}", Header(refused, "RateLimit"));
        }

        Assert.Equal(
            5,
            _backend.Requests.Count(r =>
                r.Headers.TryGetValue("X-Forwarded-For", out var forwarded) && forwarded.Contains(address, StringComparison.Ordinal)
            )
        );
    }

    [Fact]
    public async Task SignInsTheAuthServiceRefusesForLoad_AreTakenBackFromTheSharedBudget()
    {
        var address = NewAddress();
        _backend.Handler = context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        };

        // One attempt per gateway: each one's 503 sheds only on that gateway, the budget is one in Redis.
        foreach (var gateway in new[] { _one, _two })
        {
            using var busy = await LoginAsync(gateway, address, "user1", "right-password-1");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        }

        _backend.Handler = context =>
        {
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        };
        // Until the gateway's own second of shedding is over, attempts are refused there (and cost nothing either).
        HttpResponseMessage? allowed = null;
        await Wait.UntilAsync(
            async () =>
            {
                allowed?.Dispose();
                allowed = await LoginAsync(_two, address, "user1", "right-password-1");
                return allowed.StatusCode != HttpStatusCode.ServiceUnavailable;
            },
            TimeSpan.FromSeconds(10),
            "the gateway no longer sheds sign-ins"
        );
        Assert.Equal(HttpStatusCode.OK, allowed!.StatusCode);
        Assert.StartsWith("\"login\";r=4;t=", Header(allowed, "RateLimit"), StringComparison.Ordinal);
        allowed.Dispose();
    }

    [Fact]
    public async Task AUsernamesSlowdown_IsSharedByEveryGateway()
    {
        var username = "victim" + Interlocked.Increment(ref _nextAddress);
        for (var failure = 1; failure <= 6; failure++)
        {
            using var failed = await LoginAsync(failure % 2 == 0 ? _two : _one, NewAddress(), username, "wrong-password");
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // Six failures spread over two gateways: the next attempt waits, on either, even with the right password.
        using var slowed = await LoginAsync(_two, NewAddress(), username, "right-password-1");
        Assert.Equal(HttpStatusCode.TooManyRequests, slowed.StatusCode);
        using var slowedToo = await LoginAsync(_one, NewAddress(), username, "right-password-1");
        Assert.Equal(HttpStatusCode.TooManyRequests, slowedToo.StatusCode);
    }

    [Fact]
    public async Task WhenRedisStops_EachGatewayStillLimitsAlone_SaysSoOnce_AndSharesAgainWhenRedisAnswers()
    {
        await _redis.StopAsync();
        try
        {
            var address = NewAddress();
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                using var allowed = await LoginAsync(_one, address, $"user{attempt}", "right-password-1");
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            }

            using (var refused = await LoginAsync(_one, address, "user6", "right-password-1"))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode); // limits still apply, per gateway
            }

            Assert.Equal(("Degraded", HttpStatusCode.OK), await RateLimitsStateAsync(_one));
            Assert.Single(_one.Logs.Events, e => e.RenderMessage().Contains("this gateway counts alone", StringComparison.Ordinal));
        }
        finally
        {
            await _redis.StartAgainAsync();
        }

        await Wait.UntilAsync(
            async () => (await RateLimitsStateAsync(_one)).Status == "Healthy" && (await RateLimitsStateAsync(_two)).Status == "Healthy",
            TimeSpan.FromSeconds(30),
            "both gateways share their counters again"
        );
        var shared = NewAddress();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var allowed = await LoginAsync(attempt <= 3 ? _one : _two, shared, $"user{attempt}", "right-password-1");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var sharedAgain = await LoginAsync(_two, shared, "user6", "right-password-1");
        Assert.Equal(HttpStatusCode.TooManyRequests, sharedAgain.StatusCode);
    }

    [Fact]
    public async Task AGatewayStartsWhileRedisIsDown_LimitingAlone_AndSharesOnceRedisAnswers()
    {
        await using var later = await RedisServer.StartAsync();
        await later.StopAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["AUTH_SERVICE_URLS"] = _backend.Url.ToString(),
                ["RECORDINGS_SERVICE_URLS"] = _backend.Url.ToString(),
                ["TRUSTED_PROXIES"] = "127.0.0.1,::1",
                ["LOGIN_RATE_LIMIT_MAX"] = "5",
                ["REDIS_URL"] = later.Url,
            }
        );

        using (var signIn = await LoginAsync(gateway, NewAddress(), "user1", "right-password-1"))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        }

        Assert.Equal(("Degraded", HttpStatusCode.OK), await RateLimitsStateAsync(gateway));
        await later.StartAgainAsync();
        await Wait.UntilAsync(
            async () => (await RateLimitsStateAsync(gateway)).Status == "Healthy",
            TimeSpan.FromSeconds(30),
            "the gateway shares its counters once Redis answers"
        );
    }

    private Task<GatewayHost> StartGatewayAsync() =>
        GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["AUTH_SERVICE_URLS"] = _backend.Url.ToString(),
                ["RECORDINGS_SERVICE_URLS"] = _backend.Url.ToString(),
                ["TRUSTED_PROXIES"] = "127.0.0.1,::1",
                ["LOGIN_RATE_LIMIT_MAX"] = "5",
                ["RATE_LIMIT_WINDOW_SECONDS"] = "900",
                ["REDIS_URL"] = _redis.Url,
            }
        );

    // A client address of its own per use: the counters live in Redis across this class's tests.
    private static string NewAddress()
    {
        var n = Interlocked.Increment(ref _nextAddress);
        return $"198.51.{n / 250}.{(n % 250) + 1}";
    }

    private static async Task<(string Status, HttpStatusCode Code)> RateLimitsStateAsync(GatewayHost gateway)
    {
        using var client = gateway.CreateAnonymousClient();
        using var ready = await client.GetAsync("/health/ready");
        var checks = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
        return (checks.GetProperty("rate-limits").GetProperty("status").GetString()!, ready.StatusCode);
    }

    private static async Task<HttpResponseMessage> LoginAsync(GatewayHost gateway, string clientAddress, string username, string password)
    {
        using var client = gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { username, password }) };
        request.Headers.Add("X-Forwarded-For", clientAddress);
        return await client.SendAsync(request);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";
}
