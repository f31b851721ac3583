using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Faults;

/// <summary>The AuthService stopped: sign-in is refused at once, people already signed in keep working.</summary>
public sealed class AuthServiceDownTests
{
    [Fact]
    public async Task AuthServiceStopped_SignInIs503AtOnce_AndSignedInTrafficContinuesOnCachedKeys()
    {
        await using var recordings = await FakeBackend.StartAsync();
        // AUTH_SERVICE_URLS names a port nobody listens on: the AuthService is not running.
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString() }
        );
        var token = gateway.Identity.Mint(role: "viewer");
        // Its public side goes too: JWKS and the revocation feed now break every connection.
        gateway.Identity.Backend.Handler = context =>
        {
            context.Abort();
            return Task.CompletedTask;
        };

        using var client = gateway.CreateAnonymousClient();
        var clock = Stopwatch.StartNew();
        using var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = "vera", password = "correct-horse-battery" });
        var signInTook = clock.Elapsed;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
        Assert.Equal("application/problem+json", signIn.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(signIn.Headers.RetryAfter);
        Assert.True(signInTook < TimeSpan.FromSeconds(3), $"sign-in took {signInTook}");

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
            request.Headers.Authorization = new("Bearer", token);
            using var listed = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        }
    }
}
