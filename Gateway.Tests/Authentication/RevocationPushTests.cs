using System.Net;
using Gateway.Tests.Infrastructure;
using Platform.Security.Revocation;
using StackExchange.Redis;

namespace Gateway.Tests.Authentication;

/// <summary>With REDIS_URL, a revocation pushed by the AuthService is refused at once, long before the next poll.</summary>
public sealed class RevocationPushTests
{
    [Fact]
    public async Task APushedRevocation_IsRefusedWithinSeconds_ThoughTheFeedIsPolledOnlyEveryMinute()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backend = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["RECORDINGS_SERVICE_URLS"] = backend.Url.ToString(),
                ["REDIS_URL"] = redis.Url,
                ["REVOCATION_POLL_SECONDS"] = "60",
            }
        );
        using var client = gateway.CreateAnonymousClient();
        var revoked = gateway.Identity.Mint(role: "viewer", sessionId: "pushed-session");
        var other = gateway.Identity.Mint(role: "viewer", sessionId: "other-session");
        using (var before = await SendAsync(client, revoked))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // As the AuthService publishes after a sign-out (the stand-in's feed never lists it).
        await using var publisher = await ConnectionMultiplexer.ConnectAsync(redis.Url.Replace("redis://", "", StringComparison.Ordinal));
        await Wait.UntilAsync(
            async () =>
                await publisher
                    .GetSubscriber()
                    .PublishAsync(RevocationPush.Channel, RevocationPush.Serialize([("pushed-session", DateTimeOffset.UtcNow.AddMinutes(15))], null))
                > 0,
            TimeSpan.FromSeconds(10),
            "the gateway has subscribed"
        );

        await Wait.UntilAsync(
            async () =>
            {
                using var response = await SendAsync(client, revoked);
                return response.StatusCode == HttpStatusCode.Unauthorized;
            },
            TimeSpan.FromSeconds(3),
            "the pushed revocation is refused"
        );
        using var unaffected = await SendAsync(client, other);
        Assert.Equal(HttpStatusCode.OK, unaffected.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        request.Headers.Authorization = new("Bearer", token);
        return await client.SendAsync(request);
    }
}
