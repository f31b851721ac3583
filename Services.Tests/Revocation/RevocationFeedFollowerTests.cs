using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
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
        var follower = new RevocationFeedFollower(
            new HostClients(host),
            revoked,
            new RevocationFeedOptions(new Uri("http://localhost/internal/revocations"), TimeSpan.FromMilliseconds(50)),
            TimeProvider.System,
            NullLogger<RevocationFeedFollower>.Instance
        );

        await follower.PollAsync(CancellationToken.None);
        Assert.False(revoked.IsRevoked(leaving.SessionId));

        using (await host.SendAsync(HttpMethod.Post, "/api/auth/logout", leaving.AccessToken)) { }

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
        using var follower = new RevocationFeedFollower(
            new HostClients(host),
            revoked,
            new RevocationFeedOptions(new Uri("http://localhost/internal/revocations"), TimeSpan.FromMilliseconds(100)),
            TimeProvider.System,
            NullLogger<RevocationFeedFollower>.Instance
        );
        await follower.StartAsync(CancellationToken.None);

        using (await host.SendAsync(HttpMethod.Post, "/api/auth/logout", signIn.AccessToken)) { }

        await Wait.UntilAsync(() => revoked.IsRevoked(signIn.SessionId), TimeSpan.FromSeconds(5), "the follower sees the sign-out");
        await follower.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Follower_PointedAtSomethingElse_KeepsRunning_AndReportsNoSuccess()
    {
        await using var host = new AuthHost();
        var revoked = new RevokedSessions(TimeProvider.System);
        // JWKS is JSON, but not a feed: a typical misconfiguration.
        using var follower = new RevocationFeedFollower(
            new HostClients(host),
            revoked,
            new RevocationFeedOptions(new Uri("http://localhost/.well-known/jwks.json"), TimeSpan.FromMilliseconds(50)),
            TimeProvider.System,
            NullLogger<RevocationFeedFollower>.Instance
        );

        await Assert.ThrowsAsync<InvalidOperationException>(() => follower.PollAsync(CancellationToken.None));
        await follower.StartAsync(CancellationToken.None);
        await Wait.UntilAsync(() => follower.FailedPolls >= 3, TimeSpan.FromSeconds(5), "the follower keeps polling after a failure");
        Assert.False(follower.ExecuteTask!.IsFaulted);
        Assert.Null(follower.LastSuccess);
        await follower.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AfterTheDatabaseIsRestoredFromABackup_TheFollowerReadsTheFeedAgain_AndMissesNoNewSignOut()
    {
        using var data = TemporaryDirectory.Create("auth-restore-");
        using var backup = TemporaryDirectory.Create("auth-backup-");
        var revoked = new RevokedSessions(TimeProvider.System);
        var feed = new RestartableClients();
        using var follower = new RevocationFeedFollower(
            feed,
            revoked,
            new RevocationFeedOptions(new Uri("http://localhost/internal/revocations"), TimeSpan.FromMilliseconds(50)),
            TimeProvider.System,
            NullLogger<RevocationFeedFollower>.Instance
        );

        SignIn stillValid;
        await using (var before = new AuthHost(dataDirectory: data.Path))
        {
            feed.Host = before;
            var signIns = new List<SignIn>();
            for (var i = 0; i < 4; i++)
            {
                signIns.Add(await before.SignInAsync());
            }

            stillValid = signIns[3];
            BackUp(Path.Combine(data.Path, "auth.db"), Path.Combine(backup.Path, "auth.db"));
            foreach (var leaving in signIns.Take(3))
            {
                using (await before.SendAsync(HttpMethod.Post, "/api/auth/logout", leaving.AccessToken)) { }
            }

            await follower.PollAsync(CancellationToken.None); // its cursor is now past three revocations
            Assert.True(revoked.IsRevoked(signIns[0].SessionId));
        }

        // The operator restores the backup (taken before those sign-outs); then a user signs out. (The stopped
        // service's pooled connections would still read the replaced file: a real restart has none.)
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(data.Path, "auth.db*"))
        {
            File.Delete(file);
        }

        File.Copy(Path.Combine(backup.Path, "auth.db"), Path.Combine(data.Path, "auth.db"));
        await using var after = new AuthHost(dataDirectory: data.Path);
        feed.Host = after;
        using (await after.SendAsync(HttpMethod.Post, "/api/auth/logout", stillValid.AccessToken)) { }

        // The same follower, its cursor from before the restore: the new sign-out reaches it.
        await follower.PollAsync(CancellationToken.None);
        Assert.True(revoked.IsRevoked(stillValid.SessionId));
    }

    [Fact]
    public async Task AfterRevokeAll_TheFeedHasANewEpoch_AndTheFollowerReadsItAgainFromTheStart()
    {
        await using var host = new AuthHost();
        var revoked = new RevokedSessions(TimeProvider.System);
        var feed = new RestartableClients { Host = host };
        using var follower = new RevocationFeedFollower(
            feed,
            revoked,
            new RevocationFeedOptions(new Uri("http://localhost/internal/revocations"), TimeSpan.FromMilliseconds(50)),
            TimeProvider.System,
            NullLogger<RevocationFeedFollower>.Instance
        );
        var leaving = await host.SignInAsync();
        using (await host.SendAsync(HttpMethod.Post, "/api/auth/logout", leaving.AccessToken)) { }

        using var client = host.CreateClient();
        var first = await client.GetFromJsonAsync<JsonElement>("/internal/revocations?since=0");
        var revokeAll = await Processes.RunBuiltAsync("AuthService", ["sessions", "revoke-all"], environment: host.CommandEnvironment());
        Assert.Equal(0, revokeAll.ExitCode);
        var second = await client.GetFromJsonAsync<JsonElement>("/internal/revocations?since=0");

        Assert.NotEqual(first.GetProperty("epoch").GetString(), second.GetProperty("epoch").GetString());
        Assert.Equal(1, second.GetProperty("head").GetInt64());
    }

    // SQLite's online backup: a consistent copy of a database in use (WAL included).
    private static void BackUp(string source, string destination)
    {
        using var from = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={source};Pooling=False");
        using var to = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={destination};Pooling=False");
        from.Open();
        to.Open();
        from.BackupDatabase(to);
    }

    private sealed class HostClients(AuthHost host) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => host.CreateClient();
    }

    /// <summary>The AuthService as it is now: restarted on a restored database, the same follower reads the new one.</summary>
    private sealed class RestartableClients : IHttpClientFactory
    {
        public AuthHost? Host { get; set; }

        public HttpClient CreateClient(string name) => Host!.CreateClient();
    }
}
