using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Platform.Security.Revocation;
using Services.Tests.Infrastructure;
using StackExchange.Redis;

namespace Services.Tests.Auth;

/// <summary>With REDIS_URL the AuthService pushes each revocation, after its commit, to every verifier.</summary>
public sealed class RevocationPushTests
{
    [Fact]
    public async Task ASignOut_AndARevokeAll_ArePushedOnTheRevocationChannel()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var listener = await ConnectionMultiplexer.ConnectAsync(redis.Url.Replace("redis://", "", StringComparison.Ordinal));
        var messages = Channel.CreateUnbounded<string>();
        await listener.GetSubscriber().SubscribeAsync(RevocationPush.Channel, (_, message) => messages.Writer.TryWrite(message.ToString()));
        await using var auth = new AuthHost(new Dictionary<string, string> { ["REDIS_URL"] = redis.Url });

        var signIn = await auth.SignInAsync();
        using (var logout = await auth.SendAsync(HttpMethod.Post, "/api/auth/logout", signIn.AccessToken))
        {
            Assert.True(logout.IsSuccessStatusCode);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using (var pushed = JsonDocument.Parse(await messages.Reader.ReadAsync(timeout.Token)))
        {
            Assert.Equal(signIn.SessionId, pushed.RootElement.GetProperty("sessions")[0].GetProperty("sid").GetString());
        }

        var (exitCode, _, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            ["sessions", "revoke-all"],
            environment: auth.CommandEnvironment(new Dictionary<string, string> { ["REDIS_URL"] = redis.Url })
        );
        Assert.True(exitCode == 0, stderr);
        using var all = JsonDocument.Parse(await messages.Reader.ReadAsync(timeout.Token));
        Assert.True(all.RootElement.GetProperty("revokedBefore").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public async Task TheServicesStartWhileRedisIsDown_AndWorkAlone()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();
        await using var auth = new AuthHost(new Dictionary<string, string> { ["REDIS_URL"] = redis.Url });
        var signIn = await auth.SignInAsync();
        using (var logout = await auth.SendAsync(HttpMethod.Post, "/api/auth/logout", signIn.AccessToken))
        {
            Assert.True(logout.IsSuccessStatusCode); // the push fails; the feed carries it
        }

        Assert.Contains(signIn.SessionId, await auth.RevokedSessionsAsync());

        await using var recordings = new RecordingsHost(new Dictionary<string, string> { ["REDIS_URL"] = redis.Url });
        await recordings.StartAsync();
        using var client = recordings.Client();
        using var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(RecordingsHost.NewRecordingSid())));
        Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
    }
}
