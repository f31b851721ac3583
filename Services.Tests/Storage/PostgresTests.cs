using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuthService.Revocation;
using AuthService.Sessions;
using AuthService.Storage;
using AuthService.Users;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Platform.Storage.Database;
using RecordingsService.Storage;
using Services.Tests.Infrastructure;

namespace Services.Tests.Storage;

/// <summary>What only several replicas on one PostgreSQL database can get wrong, on a real server.</summary>
public sealed class PostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task ReplicasStartingTogether_ApplyEachMigrationOnce()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        var replicas = Enumerable
            .Range(0, 6)
            .Select(_ => new AuthDatabase(new DatabaseSettings("", connectionString), NullLogger<AuthDatabase>.Instance))
            .ToList();
        try
        {
            var applied = await Task.WhenAll(replicas.Select(replica => replica.MigrateAsync()));

            Assert.Equal(7, applied.Sum(a => a.Count)); // auth/0001…0006 and audit/0001, by whichever replica came first
            await using var connection = await replicas[0].OpenAsync();
            Assert.Equal(7L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM auth.schema_migrations"));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RevocationFeed_NeverSkipsARowThatCommitsLate()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var database = new AuthDatabase(new DatabaseSettings("", connectionString), NullLogger<AuthDatabase>.Instance);
        var now = DateTimeOffset.UtcNow;
        var feed = new RevocationFeed(database, new FakeTimeProvider(now));
        var sessions = new SessionStore(database);
        var expires = now.AddHours(1).ToUnixTimeMilliseconds();
        Assert.True(await new UserStore(database).CreateAsync(new User("alice", "$2b$10$alice", "viewer", false, now, now, null)));
        Assert.True(
            await sessions.CreateAsync(new Session("quick", "alice", now, now.AddHours(2), now.AddHours(12), null), "hash-quick", userVersion: 0)
        );

        // Replica A revokes a session, as the session store does, and is slow to commit: its feed row holds the smaller
        // sequence number.
        await using var slow = new NpgsqlConnection(connectionString + ";Search Path=auth");
        await slow.OpenAsync();
        await using var slowTransaction = await slow.BeginTransactionAsync();
        await slow.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended('recordings-platform/revocations', 0))", transaction: slowTransaction);
        await slow.ExecuteAsync("INSERT INTO revocations (session_id, expires_at) VALUES ('slow', @expires)", new { expires }, slowTransaction);

        // Replica B revokes another session meanwhile; a verifier polls.
        var quick = sessions.RevokeAsync(["quick"], "sign-out", now, now.AddHours(1));
        await using (var observer = new NpgsqlConnection(connectionString))
        {
            // Replica B is waiting for its turn (its advisory lock not granted) while A has not committed.
            await Wait.UntilAsync(
                async () =>
                    quick.IsCompleted
                    || await observer.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") > 0,
                TimeSpan.FromSeconds(10),
                "the second revoker waits or is done"
            );
        }

        var seen = await feed.ReadSinceAsync(0, 100);

        await slowTransaction.CommitAsync();
        await quick;
        var next = await feed.ReadSinceAsync(seen.Cursor, 100);

        // Whatever the poll saw first, polling on from its cursor sees both: no revocation slips behind the cursor.
        Assert.Equal(["quick", "slow"], seen.Sessions.Concat(next.Sessions).Select(s => s.Sid).Order());
    }

    [Fact]
    public async Task APeriodicJob_RunsOnOneReplicaAtATime()
    {
        var settings = new DatabaseSettings("", await postgres.Server.CreateDatabaseAsync());
        await using var one = new RecordingsDatabase(settings, NullLogger<RecordingsDatabase>.Instance);
        await using var two = new RecordingsDatabase(settings, NullLogger<RecordingsDatabase>.Instance);
        var running = new TaskCompletionSource();
        var finish = new TaskCompletionSource();

        var first = one.TryRunExclusiveAsync(
            "recording-retention",
            async _ =>
            {
                running.SetResult();
                await finish.Task;
            },
            CancellationToken.None
        );
        await running.Task;
        var secondRan = false;
        Assert.False(
            await two.TryRunExclusiveAsync(
                "recording-retention",
                _ =>
                {
                    secondRan = true;
                    return Task.CompletedTask;
                },
                CancellationToken.None
            )
        );
        Assert.False(secondRan);
        Assert.True(await two.TryRunExclusiveAsync("another-job", _ => Task.CompletedTask, CancellationToken.None)); // only the same job waits

        finish.SetResult();
        Assert.True(await first);
        Assert.True(
            await two.TryRunExclusiveAsync(
                "recording-retention",
                _ =>
                {
                    secondRan = true;
                    return Task.CompletedTask;
                },
                CancellationToken.None
            )
        );
        Assert.True(secondRan);
    }

    [Fact]
    public async Task DatabaseDown_DataRequestsAnswer503WithRetryAfter_AtOnce_AndWorkAgainWhenItIsBack()
    {
        await using var server = await PostgresServer.StartAsync(); // its own: this test stops it
        var url = server.UrlFor(await server.CreateDatabaseAsync());
        await using var auth = new AuthHost(new Dictionary<string, string> { ["DATABASE_URL"] = url });
        var admin = await auth.SignInAsync();

        await server.StopAsync();
        var started = DateTime.UtcNow;
        using (var refused = await auth.SendAsync(HttpMethod.Get, "/api/users", admin.AccessToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.DoesNotContain("postgres", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "answered at once, not after a hang");
        using (var client = auth.Client())
        using (var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
        }

        await server.StartAgainAsync();
        await Wait.UntilAsync(
            async () =>
            {
                using var users = await auth.SendAsync(HttpMethod.Get, "/api/users", admin.AccessToken);
                return users.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(20),
            "the users list answers again"
        );
    }

    [Fact]
    public async Task UnusualAccess_IsCountedAcrossRecordingsReplicas()
    {
        var url = postgres.Server.UrlFor(await postgres.Server.CreateDatabaseAsync());
        var settings = new Dictionary<string, string> { ["DATABASE_URL"] = url, ["ACCESS_ALERT_THRESHOLD"] = "2" };
        await using var one = new RecordingsHost(settings);
        await using var two = new RecordingsHost(settings);
        await one.StartAsync();
        await two.StartAsync();
        foreach (var host in new[] { one, two })
        {
            host.Twilio.Given(WireMock.RequestBuilders.Request.Create().WithPath(new WireMock.Matchers.RegexMatcher(@"\.mp3$")).UsingGet())
                .RespondWith(
                    WireMock.ResponseBuilders.Response.Create().WithStatusCode(200).WithHeader("Content-Type", "audio/mpeg").WithBody(new byte[10])
                );
        }

        var sids = new List<string>();
        using (var twilio = one.Client())
        {
            for (var i = 0; i < 3; i++)
            {
                var sid = RecordingsHost.NewRecordingSid();
                using var stored = await twilio.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid)));
                Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
                sids.Add(sid);
            }
        }

        // Two plays on one replica, the third on the other: together above the threshold of 2.
        using var viewerOnOne = one.Client(await one.ViewerTokenAsync());
        using var viewerOnTwo = two.Client(await two.ViewerTokenAsync());
        Assert.Equal(HttpStatusCode.OK, (await viewerOnOne.GetAsync($"/api/recordings/{sids[0]}/audio")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewerOnOne.GetAsync($"/api/recordings/{sids[1]}/audio")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewerOnTwo.GetAsync($"/api/recordings/{sids[2]}/audio")).StatusCode);

        using var admin = one.Client(await one.AdminTokenAsync());
        var alerts = (await admin.GetFromJsonAsync<JsonElement>("/api/audit/recordings?action=access-alert")).GetProperty("items");
        var alert = Assert.Single(alerts.EnumerateArray());
        Assert.StartsWith("3 plays, downloads or deletes", alert.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoAdminsDemotingEachOtherOnTwoReplicasAtOnce_OneWins_AndAnAdminRemains()
    {
        var url = postgres.Server.UrlFor(await postgres.Server.CreateDatabaseAsync());
        await using var one = new AuthHost(new Dictionary<string, string> { ["DATABASE_URL"] = url });
        await using var two = new AuthHost(new Dictionary<string, string> { ["DATABASE_URL"] = url }, one.DataDirectory); // same keys
        var admin = await one.SignInAsync();
        using (
            var created = await one.SendAsync(
                HttpMethod.Post,
                "/api/users",
                admin.AccessToken,
                new
                {
                    username = "bob",
                    password = "bob-password-123",
                    role = "admin",
                }
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        for (var round = 0; round < 8; round++)
        {
            var adminToken = (await one.SignInAsync()).AccessToken;
            var bobToken = (await two.SignInAsync("bob", "bob-password-123")).AccessToken;

            var results = await Task.WhenAll(
                one.SendAsync(HttpMethod.Put, "/api/users/bob", adminToken, new { role = "viewer" }),
                two.SendAsync(HttpMethod.Put, "/api/users/admin", bobToken, new { role = "viewer" })
            );

            // Never both: one demotion wins; the other is refused (409), or finds its own session ended by it (401).
            Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Contains(
                results.Single(r => r.StatusCode != HttpStatusCode.OK).StatusCode,
                new[] { HttpStatusCode.Conflict, HttpStatusCode.Unauthorized }
            );
            var survivor =
                results[0].StatusCode == HttpStatusCode.OK
                    ? (Host: one, Name: "admin", Password: AuthHost.AdminPassword, Other: "bob")
                    : (Host: two, Name: "bob", Password: "bob-password-123", Other: "admin");
            foreach (var result in results)
            {
                result.Dispose();
            }

            // The survivor is still an enabled admin; it promotes the other back for the next round.
            var token = (await survivor.Host.SignInAsync(survivor.Name, survivor.Password)).AccessToken;
            using var restored = await survivor.Host.SendAsync(HttpMethod.Put, $"/api/users/{survivor.Other}", token, new { role = "admin" });
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        }
    }

    [Fact]
    public async Task TheAuthServiceStartsWhileTheDatabaseIsDown_Answers503_AndSeedsTheAdminOnceItIsBack()
    {
        await using var server = await PostgresServer.StartAsync(); // its own: this test stops it
        var url = server.UrlFor(await server.CreateDatabaseAsync());
        await server.StopAsync();
        await using var auth = new AuthHost(new Dictionary<string, string> { ["DATABASE_URL"] = url });
        using var client = auth.Client();

        using (var live = await client.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.StatusCode);
        }

        await server.StartAgainAsync();
        await Wait.UntilAsync(
            async () =>
            {
                using var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });
                return signIn.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(30),
            "the administrator is seeded and signs in"
        );
    }

    [Fact]
    public async Task MigrateCommand_AppliesOnce_ThenHasNothingToDo_AndNeverPrintsThePassword()
    {
        var url = postgres
            .Server.UrlFor(await postgres.Server.CreateDatabaseAsync())
            .Replace("postgres@", "postgres:s3cret-pw@", StringComparison.Ordinal);
        var environment = new Dictionary<string, string?> { ["DATABASE_URL"] = url, ["ASPNETCORE_ENVIRONMENT"] = "Development" };

        foreach (var (service, count) in new[] { ("AuthService", 7), ("RecordingsService", 3) })
        {
            var first = await Processes.RunBuiltAsync(service, ["migrate"], environment: environment);
            Assert.True(first.ExitCode == 0, first.StandardError + first.StandardOutput);
            Assert.Contains("applied audit/0001_initial", first.StandardOutput, StringComparison.Ordinal);
            Assert.Contains($"up to date ({count} applied now, {count} in all)", first.StandardOutput, StringComparison.Ordinal);

            var second = await Processes.RunBuiltAsync(service, ["migrate"], environment: environment);
            Assert.Equal(0, second.ExitCode);
            Assert.Contains($"up to date (0 applied now, {count} in all)", second.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret-pw", first.StandardOutput + first.StandardError + second.StandardOutput, StringComparison.Ordinal);
        }

        // Each service in its own schema of the one database.
        await using var connection = new NpgsqlConnection(
            postgres.Server.ConnectionStringFor(
                new NpgsqlConnectionStringBuilder((await DatabaseSettingsFor(url)).PostgresConnectionString).Database!
            )
        );
        Assert.Equal(
            ["auth", "recordings"],
            await connection.QueryAsync<string>(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'schema_migrations' ORDER BY 1"
            )
        );
    }

    [Fact]
    public async Task MigrateCommand_WhenTheDatabaseIsUnreachable_SaysSo_Exit69()
    {
        using var port = PortReservation.Reserve(); // nothing listens there
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            ["migrate"],
            environment: new Dictionary<string, string?>
            {
                ["DATABASE_URL"] = $"postgres://postgres:hidden-pw@127.0.0.1:{port.Port}/nothing",
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
            }
        );

        Assert.Equal(69, exitCode);
        Assert.Contains($"PostgreSQL 127.0.0.1:{port.Port}/nothing, schema auth cannot be reached", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden-pw", stdout + stderr, StringComparison.Ordinal);
    }

    private static Task<DatabaseSettings> DatabaseSettingsFor(string url) =>
        Task.FromResult(new DatabaseSettings("", DatabaseSettings.TryParse(url, out _)));
}
