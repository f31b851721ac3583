using System.Security.Cryptography;
using AuthService.Encryption;
using AuthService.Revocation;
using AuthService.SecondFactor;
using AuthService.Sessions;
using AuthService.Storage;
using AuthService.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using Platform.Storage.Audit;
using Platform.Storage.Database;
using RecordingsService.Recordings;
using RecordingsService.Storage;

namespace Services.Tests.Storage;

/// <summary>
/// What every store promises, run against each engine (<see cref="SqliteStoreContractTests"/>,
/// <see cref="PostgresStoreContractTests"/>): each test gets a fresh, empty database.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(Now);
    protected AuthDatabase Auth { get; private set; } = null!;
    protected RecordingsDatabase Recordings { get; private set; } = null!;

    protected abstract DatabaseEngine Engine { get; }

    /// <summary>Settings naming a new, empty database of the engine under test.</summary>
    protected abstract Task<DatabaseSettings> NewDatabaseAsync();

    public virtual async Task InitializeAsync()
    {
        var settings = await NewDatabaseAsync();
        Auth = new AuthDatabase(settings, NullLogger<AuthDatabase>.Instance);
        Recordings = new RecordingsDatabase(settings, NullLogger<RecordingsDatabase>.Instance);
    }

    public virtual async Task DisposeAsync()
    {
        await Auth.DisposeAsync();
        await Recordings.DisposeAsync();
    }

    [Fact]
    public async Task Migrations_AreAppliedOnce_AndASecondReplicaFindsNothingToDo()
    {
        Assert.Equal(Engine, Auth.Engine);
        var applied = await Auth.MigrateAsync();
        Assert.Equal(
            [
                "auth/0001_initial",
                "auth/0002_user_version",
                "auth/0003_revoked_before",
                "auth/0004_second_factor",
                "auth/0005_revocation_epoch",
                "auth/0006_passkeys",
                "audit/0001_initial",
            ],
            applied.Select(m => $"{m.Component}/{m.Id}")
        );

        await using var replica = new AuthDatabase(await SameDatabaseAsync(), NullLogger<AuthDatabase>.Instance);
        Assert.Empty(await replica.MigrateAsync());
        await using var connection = await replica.OpenAsync();
        Assert.Equal(7L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Users_CreateFindUpdateListDelete_AndTheSeedDigest()
    {
        var users = new UserStore(Auth);
        var alice = new User("alice", "$2b$10$hash", "viewer", false, Now, Now, null);
        Assert.True(await users.CreateAsync(alice));
        Assert.False(await users.CreateAsync(alice with { Role = "admin" }), "a taken username is refused, not overwritten");
        Assert.Equal(alice, await users.FindAsync("alice"));

        Assert.Equal(UserChange.Done, await users.UpdateAsync(alice with { Role = "admin", Disabled = true, UpdatedAt = Now.AddMinutes(1) }));
        var updated = await users.FindAsync("alice");
        Assert.Equal(("admin", true, Now.AddMinutes(1), 1L), (updated!.Role, updated.Disabled, updated.UpdatedAt, updated.Version));
        Assert.Equal(UserChange.Conflict, await users.UpdateAsync(alice with { Role = "viewer" })); // decided on version 0: stale

        Assert.True(await users.CreateAsync(new User("bob", "$2b$10$bob", "admin", false, Now, Now, null)));
        Assert.Equal(["alice", "bob"], (await users.ListAsync()).Select(u => u.Username));
        var bobBefore = (await users.FindAsync("bob"))!;
        Assert.Equal(UserChange.LastAdmin, await users.UpdateAsync(bobBefore with { Disabled = true })); // alice is disabled
        Assert.Equal(UserChange.LastAdmin, await users.DeleteAsync(bobBefore));
        Assert.Equal(UserChange.Done, await users.UpdateAsync(updated with { Disabled = false }));
        Assert.Equal(UserChange.Done, await users.UpdateAsync(bobBefore with { Role = "viewer" })); // alice is enabled again

        await users.RecordSignInAsync("alice", (await users.FindAsync("alice"))!.Version, Now.AddHours(1), upgradedHash: "$2b$12$upgraded");
        var signedIn = await users.FindAsync("alice");
        Assert.Equal((Now.AddHours(1), "$2b$12$upgraded"), (signedIn!.LastSignInAt, signedIn.PasswordHash));
        await users.RecordSignInAsync("alice", (await users.FindAsync("alice"))!.Version, Now.AddHours(2), upgradedHash: null);
        Assert.Equal("$2b$12$upgraded", (await users.FindAsync("alice"))!.PasswordHash);

        Assert.Null(await users.SeedDigestAsync("alice"));
        await users.SetSeedDigestAsync("alice", "one");
        await users.SetSeedDigestAsync("alice", "two");
        Assert.Equal("two", await users.SeedDigestAsync("alice"));

        var bobNow = (await users.FindAsync("bob"))!;
        Assert.Equal(UserChange.Done, await users.DeleteAsync(bobNow));
        Assert.Equal(UserChange.Conflict, await users.DeleteAsync(bobNow));
        Assert.Null(await users.FindAsync("bob"));
    }

    [Fact]
    public async Task SecondFactors_PendingUntilConfirmed_EachStepAndRecoveryCodeUsedOnce()
    {
        var users = new UserStore(Auth);
        Assert.True(await users.CreateAsync(new User("carol", "$2b$10$hash", "viewer", false, Now, Now, null)));
        var factors = new SecondFactorStore(Auth, new SecretSealer(new(RandomNumberGenerator.GetBytes(32), null)));

        Assert.True(await factors.BeginAsync("carol", "FIRSTSECRET", Now));
        var first = (await factors.FindAsync("carol"))!;
        Assert.True(await factors.BeginAsync("carol", "SECONDSECRET", Now), "a pending secret is replaced by a new setup");
        var second = (await factors.FindAsync("carol"))!;
        Assert.Equal(("SECONDSECRET", false, -1L), (second.Secret, second.Confirmed, second.LastStep));
        Assert.False(await factors.ConfirmAsync("carol", first, 100, ["h1"], Now), "not the pending secret");
        Assert.True(await factors.ConfirmAsync("carol", second, 100, ["h1", "h2"], Now));
        Assert.False(await factors.BeginAsync("carol", "THIRDSECRET", Now), "a confirmed one is not replaced");
        Assert.True((await users.FindAsync("carol"))!.HasSecondFactor);

        var confirmed = (await factors.FindAsync("carol"))!;
        Assert.False(await factors.TryUseStepAsync("carol", confirmed, 100), "the confirming step is spent");
        Assert.True(await factors.TryUseStepAsync("carol", confirmed, 101));
        Assert.False(await factors.TryUseStepAsync("carol", confirmed, 101));
        Assert.False(await factors.TryUseStepAsync("carol", confirmed, 100), "an older step after a newer one");

        var uses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => factors.TryUseRecoveryCodeAsync("carol", "h2", Now)));
        Assert.Single(uses, used => used);
        Assert.Equal(1, await factors.UnusedRecoveryCodesAsync("carol"));

        Assert.True(await factors.RemoveAsync("carol"));
        Assert.Null(await factors.FindAsync("carol"));
        Assert.Equal(0, await factors.UnusedRecoveryCodesAsync("carol"));
        Assert.False((await users.FindAsync("carol"))!.HasSecondFactor);
    }

    // A session for a user that exists (the store creates sessions only for the user as read).
    private async Task CreateSessionAsync(SessionStore sessions, Session session, string refreshTokenHash)
    {
        var users = new UserStore(Auth);
        await users.CreateAsync(new User(session.Username, "$2b$10$hash", "viewer", false, Now, Now, null));
        Assert.True(await sessions.CreateAsync(session, refreshTokenHash, (await users.FindAsync(session.Username))!.Version));
    }

    [Fact]
    public async Task Sessions_AreCreatedOnlyForTheUserAsRead_NeverAfterAChangeOrForADisabledOrMissingUser()
    {
        var users = new UserStore(Auth);
        var sessions = new SessionStore(Auth);
        Assert.True(await users.CreateAsync(new User("dora", "$2b$10$dora", "viewer", false, Now, Now, null)));
        var read = (await users.FindAsync("dora"))!;
        Assert.Equal(UserChange.Done, await users.UpdateAsync(read with { PasswordHash = "$2b$10$reset" }));

        Assert.False(await sessions.CreateAsync(new Session("d1", "dora", Now, Now.AddHours(2), Now.AddHours(12), null), "hash-d1", read.Version));
        Assert.Null(await sessions.FindAsync("d1"));
        Assert.Null(await sessions.FindByRefreshTokenAsync("hash-d1"));

        var current = (await users.FindAsync("dora"))!;
        Assert.True(await sessions.CreateAsync(new Session("d2", "dora", Now, Now.AddHours(2), Now.AddHours(12), null), "hash-d2", current.Version));
        Assert.Equal(UserChange.Done, await users.UpdateAsync(current with { Disabled = true }));
        var disabled = (await users.FindAsync("dora"))!;
        Assert.False(
            await sessions.CreateAsync(new Session("d3", "dora", Now, Now.AddHours(2), Now.AddHours(12), null), "hash-d3", disabled.Version)
        );
        Assert.False(await sessions.CreateAsync(new Session("n1", "nobody", Now, Now.AddHours(2), Now.AddHours(12), null), "hash-n1", 0));
    }

    [Fact]
    public async Task ARehashAtSignIn_IsNotWrittenOverAPasswordChangedMeanwhile()
    {
        var users = new UserStore(Auth);
        Assert.True(await users.CreateAsync(new User("erin", "$2b$10$old", "viewer", false, Now, Now, null)));
        var read = (await users.FindAsync("erin"))!;
        Assert.Equal(UserChange.Done, await users.UpdateAsync(read with { PasswordHash = "$2b$12$reset-by-an-admin" }));

        await users.RecordSignInAsync("erin", read.Version, Now.AddMinutes(1), upgradedHash: "$2b$12$old-password-rehashed");
        Assert.Equal("$2b$12$reset-by-an-admin", (await users.FindAsync("erin"))!.PasswordHash);
    }

    [Fact]
    public async Task Sessions_RotateOnce_RevokeOnlyActive_ListActive()
    {
        var sessions = new SessionStore(Auth);
        var one = new Session("s1", "alice", Now, Now.AddHours(2), Now.AddHours(12), null);
        await CreateSessionAsync(sessions, one, "hash-1");
        await CreateSessionAsync(sessions, new Session("s2", "bob", Now, Now.AddHours(2), Now.AddHours(12), null), "hash-2");
        Assert.Equal(one, await sessions.FindAsync("s1"));
        Assert.Equal(
            ("s1", (DateTimeOffset?)null),
            ((await sessions.FindByRefreshTokenAsync("hash-1"))!.Session.Id, (await sessions.FindByRefreshTokenAsync("hash-1"))!.UsedAt)
        );

        Assert.True(await sessions.RotateAsync("hash-1", "hash-1b", "s1", Now.AddMinutes(5), Now.AddHours(3)));
        Assert.False(await sessions.RotateAsync("hash-1", "hash-1c", "s1", Now.AddMinutes(6), Now.AddHours(3)), "a used token rotates once");
        Assert.Equal(Now.AddMinutes(5), (await sessions.FindByRefreshTokenAsync("hash-1"))!.UsedAt);
        Assert.Equal(Now.AddHours(3), (await sessions.FindAsync("s1"))!.IdleExpiresAt);
        Assert.Null(await sessions.FindByRefreshTokenAsync("hash-1c"));

        Assert.Equal(["s1", "s2"], (await sessions.ActiveSessionIdsAsync(null)).Order());
        Assert.Equal(["s2"], await sessions.ActiveSessionIdsAsync("bob"));
        Assert.Equal(["s1"], await sessions.RevokeAsync(["s1", "missing"], "sign-out", Now.AddMinutes(7), Now.AddMinutes(30)));
        Assert.Empty(await sessions.RevokeAsync(["s1"], "again", Now.AddMinutes(8), Now.AddMinutes(30)));
        Assert.Equal(Now.AddMinutes(7), (await sessions.FindAsync("s1"))!.RevokedAt);
        Assert.Equal(["s2"], await sessions.ActiveSessionIdsAsync(null));

        // The feed carries each revoked session once, with the time until which its tokens are refused.
        var feed = await new RevocationFeed(Auth, Time).ReadSinceAsync(0, 10);
        Assert.Equal([new RevokedSession("s1", Now.AddMinutes(30))], feed.Sessions);
    }

    [Fact]
    public async Task RevokeAll_WritesOneRow_EndsEverySessionIssuedBefore_AndTellsTheFeed()
    {
        var sessions = new SessionStore(Auth);
        await CreateSessionAsync(sessions, new Session("s1", "alice", Now, Now.AddHours(2), Now.AddHours(12), null), "hash-1");
        await CreateSessionAsync(sessions, new Session("s2", "bob", Now, Now.AddHours(2), Now.AddHours(12), null), "hash-2");
        await sessions.RevokeAsync(["s2"], "sign-out", Now, Now.AddMinutes(15));

        Assert.Equal(1, await sessions.RevokeAllIssuedBeforeAsync(Now.AddMinutes(1)));
        await CreateSessionAsync(sessions, new Session("s3", "alice", Now.AddMinutes(2), Now.AddHours(2), Now.AddHours(12), null), "hash-3");
        Assert.Equal(0, await sessions.RevokeAllIssuedBeforeAsync(Now.AddSeconds(30))); // never moves back

        Assert.Equal(Now.AddMinutes(1), (await sessions.FindAsync("s1"))!.RevokedAt);
        Assert.Equal(Now, (await sessions.FindAsync("s2"))!.RevokedAt); // its own, earlier revocation stands
        Assert.Equal(Now.AddMinutes(1), (await sessions.FindByRefreshTokenAsync("hash-1"))!.Session.RevokedAt);
        Assert.Equal(["s3"], await sessions.ActiveSessionIdsAsync(null));

        var feed = await new RevocationFeed(Auth, Time).ReadSinceAsync(0, 100);
        Assert.Equal(Now.AddMinutes(1), feed.RevokedBefore);
        Assert.Equal(["s2"], feed.Sessions.Select(s => s.Sid)); // nothing written per session by revoke-all
        await using var connection = await Auth.OpenAsync();
        Assert.Equal(1L, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM revoked_before"));
    }

    [Fact]
    public async Task RevocationFeed_PagesInOrder_AndLeavesOutExpiredEntries()
    {
        var sessions = new SessionStore(Auth);
        foreach (var id in new[] { "a", "b", "c", "old" })
        {
            await CreateSessionAsync(sessions, new Session(id, "alice", Now, Now.AddHours(2), Now.AddHours(12), null), "hash-" + id);
        }

        var feed = new RevocationFeed(Auth, Time);
        await sessions.RevokeAsync(["a", "b"], "sign-out", Now, Now.AddMinutes(15));
        await sessions.RevokeAsync(["old"], "sign-out", Now, Now.AddMinutes(-1));
        await sessions.RevokeAsync(["c"], "sign-out", Now, Now.AddMinutes(15));

        var first = await feed.ReadSinceAsync(0, 2);
        Assert.Equal(["a", "b"], first.Sessions.Select(s => s.Sid));
        var second = await feed.ReadSinceAsync(first.Cursor, 10);
        Assert.Equal(["c"], second.Sessions.Select(s => s.Sid)); // "old" expired: its tokens are dead anyway
        var none = await feed.ReadSinceAsync(second.Cursor, 10);
        Assert.Empty(none.Sessions);
        Assert.Equal(second.Cursor, none.Cursor);
    }

    [Fact]
    public async Task Audit_WritesPagesNewestFirst_AndDeletesOldEntries()
    {
        var audit = new AuditLog(Recordings, Time);
        await audit.WriteAsync("play", "alice", "RE1", "203.0.113.5", "ok");
        Time.Advance(TimeSpan.FromDays(2));
        await audit.WriteAllAsync([
            new AuditEntry("download", "alice", "RE2", null, "ok", null),
            new AuditEntry("delete", "bob", "RE3", null, "denied", "not admin"),
        ]);

        var page = await audit.ListAsync(2, before: null);
        Assert.Equal(["delete", "download"], page.Select(e => e.Action));
        var older = await audit.ListAsync(2, before: page[^1].Id);
        Assert.Equal(("play", "203.0.113.5", Now), (older.Single().Action, older.Single().ClientIp, older.Single().At));

        Assert.Equal(1, await audit.DeleteOlderThanAsync(Now.AddDays(1)));
        Assert.Equal(2, (await audit.ListAsync(10, null)).Count);
    }

    [Fact]
    public async Task Recordings_UpsertByRank_KeepWhatALaterCallbackOmits()
    {
        var store = new RecordingStore(Recordings);
        var started = Now.AddMinutes(-3);
        var inProgress = Recording("RE" + new string('1', 32), RecordingStatus.InProgress, started, duration: null);
        Assert.Equal(inProgress, (await store.UpsertAsync([inProgress])).Single());
        Assert.Equal([null], await store.UpsertAsync([inProgress])); // a replay changes nothing

        var completed = inProgress with { Status = RecordingStatus.Completed, StartTime = null, DurationSeconds = 42, UpdatedAt = Now.AddMinutes(1) };
        var stored = (await store.UpsertAsync([completed])).Single();
        Assert.Equal((RecordingStatus.Completed, 42, started), (stored!.Status, stored.DurationSeconds, stored.StartTime));
        Assert.Equal([null], await store.UpsertAsync([inProgress with { UpdatedAt = Now.AddMinutes(2) }])); // a late, lower rank
        Assert.Equal(RecordingStatus.Completed, (await store.FindAsync(inProgress.Sid))!.Status);
        Assert.Null(await store.FindAsync("RE" + new string('f', 32)));
    }

    [Fact]
    public async Task Recordings_ListNewestFirst_PagesAndFilters_AndFindTheOldOnes()
    {
        var store = new RecordingStore(Recordings);
        var all = Enumerable
            .Range(1, 5)
            .Select(i =>
                Recording(
                    $"RE{i:D32}",
                    i == 3 ? RecordingStatus.Failed : RecordingStatus.Completed,
                    Now.AddDays(-i),
                    duration: i,
                    callSid: i <= 2 ? "CA" + new string('a', 32) : "CA" + new string('b', 32)
                )
            )
            .ToList();
        await store.UpsertAsync(all);

        var first = await store.ListAsync(Query(("limit", "2")));
        Assert.Equal([all[0].Sid, all[1].Sid], first.Items.Select(r => r.Sid));
        var second = await store.ListAsync(Query(("limit", "2"), ("cursor", first.NextCursor!)));
        Assert.Equal([all[2].Sid, all[3].Sid], second.Items.Select(r => r.Sid));
        var last = await store.ListAsync(Query(("limit", "2"), ("cursor", second.NextCursor!)));
        Assert.Equal([all[4].Sid], last.Items.Select(r => r.Sid));
        Assert.Null(last.NextCursor);

        Assert.Equal([all[2].Sid], (await store.ListAsync(Query(("status", "failed")))).Items.Select(r => r.Sid));
        Assert.Equal([all[0].Sid, all[1].Sid], (await store.ListAsync(Query(("callSid", "CA" + new string('a', 32))))).Items.Select(r => r.Sid));
        var window = await store.ListAsync(Query(("from", Now.AddDays(-4).ToString("O")), ("to", Now.AddDays(-2).ToString("O"))));
        Assert.Equal([all[1].Sid, all[2].Sid, all[3].Sid], window.Items.Select(r => r.Sid));

        await store.UpsertAsync([all[4] with { Status = RecordingStatus.Deleted, UpdatedAt = Now }]);
        Assert.Equal([all[3].Sid], (await store.OlderThanAsync(Now.AddDays(-3.5), 10)).Select(r => r.Sid)); // deleted ones are done
    }

    /// <summary>Settings naming the same database again (another replica's view of it).</summary>
    protected abstract Task<DatabaseSettings> SameDatabaseAsync();

    private static Recording Recording(string sid, string status, DateTimeOffset start, int? duration, string? callSid = null) =>
        new(sid, "AC" + new string('0', 32), callSid ?? "CA" + new string('c', 32), status, duration, 1, "RecordVerb", start, Now, Now, null);

    private static RecordingQuery Query(params (string Name, string Value)[] parameters)
    {
        var (query, errors) = RecordingQuery.Parse(new QueryCollection(parameters.ToDictionary(p => p.Name, p => new StringValues(p.Value))));
        Assert.Empty(errors);
        return query!;
    }
}

public sealed class SqliteStoreContractTests : StoreContract, IDisposable
{
    private readonly TemporaryDirectory _data = TemporaryDirectory.Create("store-contract-");

    protected override DatabaseEngine Engine => DatabaseEngine.Sqlite;

    protected override Task<DatabaseSettings> NewDatabaseAsync() => Task.FromResult(new DatabaseSettings(_data.Path, null));

    protected override Task<DatabaseSettings> SameDatabaseAsync() => NewDatabaseAsync();

    [Fact]
    public async Task EachServicesFile_IsInWalMode_SoACommitSyncsOnce()
    {
        // The durability promise of docs/operations.md (synchronous=FULL with WAL): without WAL each commit creates, syncs and
        // deletes a rollback journal, several fsyncs per stored callback.
        foreach (var database in new ServiceDatabase[] { Auth, Recordings })
        {
            await using var connection = await database.OpenAsync();
            Assert.Equal("wal", await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "PRAGMA journal_mode"));
            var synchronous = await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "PRAGMA synchronous");
            Assert.Equal(database == Recordings ? 2L : 1L, synchronous); // FULL, NORMAL
        }
    }

    public void Dispose() => _data.Dispose();
}

public sealed class PostgresStoreContractTests(PostgresFixture postgres) : StoreContract, IClassFixture<PostgresFixture>
{
    private string? _connectionString;

    protected override DatabaseEngine Engine => DatabaseEngine.PostgreSql;

    protected override async Task<DatabaseSettings> NewDatabaseAsync()
    {
        _connectionString = await postgres.Server.CreateDatabaseAsync();
        return new DatabaseSettings("", _connectionString);
    }

    protected override Task<DatabaseSettings> SameDatabaseAsync() => Task.FromResult(new DatabaseSettings("", _connectionString));
}

/// <summary>One throw-away PostgreSQL server per test class.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
