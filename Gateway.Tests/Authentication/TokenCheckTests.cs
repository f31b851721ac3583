using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using Platform.Security.Tokens;

namespace Gateway.Tests.Authentication;

public sealed class TokenCheckTests(FakeServicesGateway services) : IClassFixture<FakeServicesGateway>
{
    private readonly FakeBackend _recordings = services.Reset().RecordingsBackend;
    private readonly GatewayHost _gateway = services.Host;

    [Fact]
    public async Task ValidBearerToken_ReachesTheServiceAsABearerHeader()
    {
        var token = _gateway.Identity.Mint(role: "viewer");

        using var response = await GetAsync("/api/recordings", bearer: token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Bearer {token}", Assert.Single(_recordings.Requests).Headers["Authorization"]);
    }

    [Theory]
    [InlineData("bearer {0}")] // the scheme is case-insensitive
    [InlineData("Bearer   {0}  ")] // extra spaces around the token
    public async Task BearerTokenSpelledOtherwise_ReachesTheServiceInTheCanonicalForm(string spelling)
    {
        // The canonical "Bearer <token>" is passed on as it came; any other spelling the check accepts is rewritten,
        // so a service always sees exactly the token the gateway checked.
        var token = _gateway.Identity.Mint(role: "viewer");
        using var client = _gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.TryAddWithoutValidation("Authorization", string.Format(CultureInfo.InvariantCulture, spelling, token));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Bearer {token}", Assert.Single(_recordings.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task SessionCookie_IsForwardedAsBearer_AndTheCookieIsStripped()
    {
        var token = _gateway.Identity.Mint(role: "viewer");

        using var response = await GetAsync("/api/recordings", cookie: $"__Host-session={token}; theme=dark");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(_recordings.Requests).Headers;
        Assert.Equal($"Bearer {token}", seen["Authorization"]);
        Assert.Equal("theme=dark", seen["Cookie"]);
    }

    [Fact]
    public async Task SessionCookieBesideANonBearerAuthorizationHeader_ReachesTheServiceAsTheBearerTheGatewayChecked()
    {
        var token = _gateway.Identity.Mint(role: "viewer");
        using var client = _gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz");
        request.Headers.Add("Cookie", $"__Host-session={token}");

        using var response = await client.SendAsync(request);

        // Before one rule for all three places, the gateway accepted the cookie but forwarded the Basic header.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Bearer {token}", Assert.Single(_recordings.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task NonBearerAuthorizationHeaderWithoutCookie_IsRefusedAndNothingIsForwarded()
    {
        using var client = _gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.TryAddWithoutValidation("Authorization", "Basic dXNlcjpwYXNz");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_recordings.Requests);
    }

    public static TheoryData<string, string> BadTokens()
    {
        // Built per run: the identity's key is made when the test class starts, so these are described by name.
        return new TheoryData<string, string>
        {
            { "expired", "" },
            { "not-yet-valid", "" },
            { "wrong-issuer", "" },
            { "wrong-audience", "" },
            { "no-expiry", "" },
            { "wrong-type", "" },
            { "alg-none", "" },
            { "hs256-with-public-key", "" },
            { "unknown-kid", "" },
            { "real-kid-foreign-key", "" },
            { "tampered-payload", "" },
            { "stripped-signature", "" },
            { "garbage", "" },
            { "empty-bearer", "" },
            { "unknown-critical-header", "" },
            { "empty-critical-header", "" },
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task BadToken_Is401Problem_AndReachesNoService(string kind, string unused)
    {
        _ = unused;
        var token = Make(kind);

        using var response = await GetAsync("/api/recordings", bearer: token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Empty(_recordings.Requests);
    }

    [Fact]
    public async Task MissingToken_Is401WithBearerChallenge()
    {
        using var response = await GetAsync("/api/recordings");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task HugeAuthorizationHeader_IsRefusedWithoutAServerError()
    {
        // Kestrel answers 431 and closes the connection, sometimes while the client is still writing the header:
        // then the client sees the connection closed. Either way: refused, nothing forwarded, no 5xx.
        try
        {
            using var response = await GetAsync("/api/recordings", bearer: new string('a', 100 * 1024));
            Assert.True(
                response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestHeaderFieldsTooLarge or HttpStatusCode.Unauthorized,
                response.StatusCode.ToString()
            );
        }
        catch (HttpRequestException ex) when (ex.InnerException is IOException) { }

        Assert.Empty(_recordings.Requests);
    }

    [Fact]
    public async Task RevokedSession_IsRefusedWithinSeconds_EvenAfterItsTokenWasCached()
    {
        var token = _gateway.Identity.Mint(role: "viewer", sessionId: "session-to-revoke");
        using (var before = await GetAsync("/api/recordings", bearer: token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _gateway.Identity.Revoke("session-to-revoke");

        await Wait.UntilAsync(
            async () =>
            {
                using var response = await GetAsync("/api/recordings", bearer: token);
                return response.StatusCode == HttpStatusCode.Unauthorized;
            },
            TimeSpan.FromSeconds(5),
            "the revoked session is refused"
        );
        using var other = await GetAsync("/api/recordings", bearer: _gateway.Identity.Mint(role: "viewer"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task RevokeAll_RefusesEveryTokenIssuedBeforeIt_WithinSeconds_AndNotTheOnesAfter()
    {
        // Its own gateway and identity: revoking everything would refuse the other tests' tokens.
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = _recordings.Url.ToString() }
        );
        using var client = gateway.CreateAnonymousClient();
        var old = gateway.Identity.Mint(role: "viewer", now: DateTimeOffset.UtcNow.AddSeconds(-10));
        using (var before = await Send(client, old))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        gateway.Identity.RevokeAllBefore(DateTimeOffset.UtcNow.AddSeconds(-5));

        await Wait.UntilAsync(
            async () =>
            {
                using var response = await Send(client, old);
                return response.StatusCode == HttpStatusCode.Unauthorized;
            },
            TimeSpan.FromSeconds(5),
            "a token issued before revoke-all is refused"
        );
        using var fresh = await Send(client, gateway.Identity.Mint(role: "viewer"));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);

        static async Task<HttpResponseMessage> Send(HttpClient client, string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
            request.Headers.Authorization = new("Bearer", token);
            return await client.SendAsync(request);
        }
    }

    [Fact]
    public async Task NewKey_IsPickedUpOnItsFirstToken_WithoutWaitingForTheSchedule()
    {
        // Its own gateway: the shared one may have re-read JWKS for another test's unknown kid within the minute.
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = _recordings.Url.ToString() }
        );
        var next = new TestSigningKey("test-key-2");
        gateway.Identity.Published.Add(next);
        using var client = gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.Authorization = new("Bearer", gateway.Identity.Mint(key: next));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AKeyThatSignsAtOnce_IsAcceptedWithinTwoSeconds_EvenRightAfterAnotherUnknownKeyWasLookedUp()
    {
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = _recordings.Url.ToString() }
        );
        using var client = gateway.CreateAnonymousClient();
        // A token naming a key nobody published: the gateway re-reads JWKS for it, and refuses it.
        using (var bogus = new HttpRequestMessage(HttpMethod.Get, "/api/recordings"))
        {
            bogus.Headers.Authorization = new("Bearer", gateway.Identity.Mint(key: new TestSigningKey("never-published")));
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(bogus)).StatusCode);
        }

        // Then the AuthService publishes a key and signs with it at once (keys new --now, after a leak).
        var next = new TestSigningKey("test-key-2");
        gateway.Identity.Published.Add(next);
        var token = gateway.Identity.Mint(key: next);
        await Wait.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
                request.Headers.Authorization = new("Bearer", token);
                return (await client.SendAsync(request)).StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(2),
            "a token of the new key is accepted"
        );
    }

    [Fact]
    public async Task RetiredKey_StopsWorkingWithinTheRefreshInterval_EvenForCachedTokens()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = _recordings.Url.ToString() },
            services: s => s.AddSingleton<TimeProvider>(time)
        );
        var old = gateway.Identity.Key;
        var next = new TestSigningKey("test-key-2");
        gateway.Identity.Published.Add(next);
        var oldToken = gateway.Identity.Mint(key: old, now: time.GetUtcNow());
        using (var client = gateway.CreateAnonymousClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
            request.Headers.Authorization = new("Bearer", oldToken);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }

        gateway.Identity.Published.Remove(old);
        var keys = gateway.Services.GetRequiredService<JwksKeyCache>();
        var moved = TimeSpan.Zero;
        var lastMove = DateTime.UtcNow;
        await Wait.UntilAsync(
            () =>
            {
                // Move the clock past the scheduled JWKS refresh, again if its timer was set a moment late.
                if (keys.Contains(old.Kid) && (moved == TimeSpan.Zero || DateTime.UtcNow - lastMove > TimeSpan.FromSeconds(2)))
                {
                    time.Advance(TimeSpan.FromSeconds(31));
                    moved += TimeSpan.FromSeconds(31);
                    lastMove = DateTime.UtcNow;
                }

                return !keys.Contains(old.Kid);
            },
            TimeSpan.FromSeconds(10),
            "the retired key is no longer trusted"
        );
        Assert.True(moved < TimeSpan.FromMinutes(14), "the token must be refused for its key, not for its age");
        using var refused = gateway.CreateAnonymousClient();
        using var retry = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        retry.Headers.Authorization = new("Bearer", oldToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await refused.SendAsync(retry)).StatusCode);
    }

    [Fact]
    public async Task Expiry_IsJudgedWithThirtySecondsOfSkew()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = _recordings.Url.ToString() },
            services: s => s.AddSingleton<TimeProvider>(time)
        );
        var token = gateway.Identity.Mint(now: time.GetUtcNow(), lifetime: TimeSpan.FromMinutes(15));

        async Task<HttpStatusCode> StatusAsync()
        {
            using var client = gateway.CreateAnonymousClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
            request.Headers.Authorization = new("Bearer", token);
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync());
        time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(25));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync()); // within the skew (and cached)
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync()); // past it, cached or not
    }

    private string Make(string kind)
    {
        var identity = _gateway.Identity;
        var now = DateTimeOffset.UtcNow;
        var valid = identity.Mint();
        var parts = valid.Split('.');
        var payload = new Dictionary<string, object>
        {
            ["iss"] = "recordings-platform-auth",
            ["aud"] = "recordings-platform",
            ["sub"] = "alice",
            ["role"] = "admin",
            ["sid"] = "s1",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(15).ToUnixTimeSeconds(),
        };
        var publicKey = identity.Key.Key.ExportSubjectPublicKeyInfoPem();
        return kind switch
        {
            "expired" => identity.Mint(now: now.AddMinutes(-20), lifetime: TimeSpan.FromMinutes(15)),
            "not-yet-valid" => identity.Mint(notBefore: now.AddMinutes(5)),
            "wrong-issuer" => identity.Mint(issuer: "https://evil.example"),
            "wrong-audience" => identity.Mint(audience: "another-api"),
            "no-expiry" => identity.Mint(withExpiry: false),
            "wrong-type" => identity.Mint(type: "JWT"),
            "alg-none" => ForgedTokens.WithoutSignature(
                new
                {
                    alg = "none",
                    typ = "at+jwt",
                    kid = identity.Key.Kid,
                },
                payload
            ),
            "hs256-with-public-key" => ForgedTokens.Hs256(
                new
                {
                    alg = "HS256",
                    typ = "at+jwt",
                    kid = identity.Key.Kid,
                },
                payload,
                Encoding.ASCII.GetBytes(publicKey)
            ),
            "unknown-kid" => identity.Mint(key: new TestSigningKey("never-published")),
            "real-kid-foreign-key" => identity.Mint(key: new TestSigningKey(identity.Key.Kid)),
            "tampered-payload" => $"{parts[0]}.{Tampered(parts[1])}.{parts[2]}",
            "stripped-signature" => $"{parts[0]}.{parts[1]}.",
            "garbage" => "this-is-not-a-jwt",
            "empty-bearer" => " ",
            // RFC 7515 §4.1.11: a "crit" naming extensions the verifier does not understand (here, any) must be refused.
            "unknown-critical-header" => identity.Mint(
                extraHeaders: new Dictionary<string, object>
                {
                    ["crit"] = new[] { "http://example.com/must-check" },
                    ["http://example.com/must-check"] = true,
                }
            ),
            "empty-critical-header" => identity.Mint(extraHeaders: new Dictionary<string, object> { ["crit"] = Array.Empty<string>() }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    // The signed payload with one claim changed (a viewer making itself someone else), signature kept.
    private static string Tampered(string encodedPayload)
    {
        var claims = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(encodedPayload))!;
        var changed = claims.ToDictionary(c => c.Key, c => (object)c.Value);
        changed["sub"] = "mallory";
        return ForgedTokens.Encode(changed);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? bearer = null, string? cookie = null)
    {
        using var client = _gateway.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return await client.SendAsync(request);
    }
}
