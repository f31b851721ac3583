using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Authentication;

/// <summary>
/// A gateway that started before the AuthService published a key (or cannot reach it yet) must not answer 401 to a
/// good token — a 401 signs the dashboard out — and must not call itself ready.
/// </summary>
public sealed class NoKeysYetTests
{
    [Fact]
    public async Task BeforeAnyKeyIsRead_AWellFormedTokenGets503WithRetryAfter_AndReadinessSaysNotReady_UntilTheKeyIsPublished()
    {
        await using var identity = await TestIdentity.StartAsync();
        identity.Published.Clear(); // the AuthService answers, but has published no key yet
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString(),
                ["JWKS_URL"] = identity.JwksUrl.ToString(),
                ["REVOCATION_FEED_URL"] = identity.FeedUrl.ToString(),
            }
        );
        using var client = gateway.CreateAnonymousClient();
        var token = identity.Mint();

        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Unhealthy", readiness.RootElement.GetProperty("checks").GetProperty("jwks").GetProperty("status").GetString());

        foreach (var (header, value) in new[] { ("Authorization", $"Bearer {token}"), ("Cookie", $"__Host-session={token}") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
            request.Headers.Add(header, value);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        }

        // A dashboard page with that session cookie is not sent back to the sign-in page either.
        using var page = new HttpRequestMessage(HttpMethod.Get, "/app/");
        page.Headers.Add("Cookie", $"__Host-session={token}");
        page.Headers.Add("Accept", "text/html");
        using var pageResponse = await client.SendAsync(page);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, pageResponse.StatusCode);

        Assert.Empty(recordings.Requests);

        // Something that is not a token at all is still refused as such.
        using var garbage = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        garbage.Headers.Add("Authorization", "Bearer not-a-token");
        using var garbageResponse = await client.SendAsync(garbage);
        Assert.Equal(HttpStatusCode.Unauthorized, garbageResponse.StatusCode);

        // The key is published: the same token is accepted (the gateway re-reads at most once a second meanwhile).
        identity.Published.Add(identity.Key);
        await Wait.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
                request.Headers.Add("Authorization", $"Bearer {token}");
                using var response = await client.SendAsync(request);
                return response.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(10),
            "the token is checked once the key is published"
        );
        using var after = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        after.Headers.Add("Authorization", $"Bearer {token}");
        using var afterResponse = await client.SendAsync(after);
        Assert.Equal(HttpStatusCode.OK, afterResponse.StatusCode);
        using var readyAfter = await client.GetAsync("/health/ready");
        using var readinessAfter = JsonDocument.Parse(await readyAfter.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", readinessAfter.RootElement.GetProperty("checks").GetProperty("jwks").GetProperty("status").GetString());
    }
}
