using Microsoft.Extensions.Logging.Abstractions;
using Platform.Security.Revocation;
using Services.Tests.Infrastructure;

namespace Services.Tests.Revocation;

/// <summary>The client every verifier uses, against the real AuthService feed.</summary>
public sealed class RevocationFeedFollowerTests
{
    [Fact]
    public async Task Follower_LearnsOfASignOut_AndOnlyThatSession()
    {
        await using var host = new AuthHost();
        var leaving = await host.SignInAsync();
        var staying = await host.SignInAsync();
        var revoked = new RevokedSessions(TimeProvider.System);
        var follower = new RevocationFeedFollower(new HostClients(host), revoked,
            new RevocationFeedOptions(new Uri("http://localhost/internal/revocations"), TimeSpan.FromMilliseconds(50)), TimeProvider.System, NullLogger<RevocationFeedFollower>.Instance);

        await follower.PollAsync(CancellationToken.None);
        Assert.False(revoked.IsRevoked(leaving.SessionId));

        using (await host.SendAsync(HttpMethod.Post, "/api/auth/logout", leaving.AccessToken))
        {
        }

        await follower.PollAsync(CancellationToken.None);
        Assert.True(revoked.IsRevoked(leaving.SessionId));
        Assert.False(revoked.IsRevoked(staying.SessionId));
        Assert.NotNull(follower.LastSuccess);
    }

    [Fact]
    public async Task Follower_InTheBackground_PicksUpRevocationsWithinSeconds()
    {
        await using var host = new AuthHost();
        var signIn = await host.SignInAsync();
        var revoked = new RevokedSessions(TimeProvider.System);
        using var follower = new RevocationFeedFollower(new HostClients(host), revoked,
            new RevocationFeedOptions(new Uri("http://localhost/internal/revocations"), TimeSpan.FromMilliseconds(100)), TimeProvider.System, NullLogger<RevocationFeedFollower>.Instance);
        await follower.StartAsync(CancellationToken.None);

        using (await host.SendAsync(HttpMethod.Post, "/api/auth/logout", signIn.AccessToken))
        {
        }

        await Wait.UntilAsync(() => revoked.IsRevoked(signIn.SessionId), TimeSpan.FromSeconds(5), "the follower sees the sign-out");
        await follower.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Follower_PointedAtSomethingElse_KeepsRunning_AndReportsNoSuccess()
    {
        await using var host = new AuthHost();
        var revoked = new RevokedSessions(TimeProvider.System);
        // JWKS is JSON, but not a feed: a typical misconfiguration.
        using var follower = new RevocationFeedFollower(new HostClients(host), revoked,
            new RevocationFeedOptions(new Uri("http://localhost/.well-known/jwks.json"), TimeSpan.FromMilliseconds(50)), TimeProvider.System, NullLogger<RevocationFeedFollower>.Instance);

        await Assert.ThrowsAsync<InvalidOperationException>(() => follower.PollAsync(CancellationToken.None));
        await follower.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(() => follower.FailedPolls >= 3, TimeSpan.FromSeconds(5), "the follower keeps polling after a failure");
        Assert.False(follower.ExecuteTask!.IsFaulted);
        Assert.Null(follower.LastSuccess);
        await follower.StopAsync(CancellationToken.None);
    }

    private sealed class HostClients(AuthHost host) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => host.CreateClient();
    }
}
