using AuthService.Storage;
using AuthService.Users;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Storage.Database;

namespace Services.Tests.Storage;

/// <summary>A data/ folder from before numbered migrations keeps its data: the first start records the migrations as applied.</summary>
public sealed class SqliteUpgradeTests
{
    // auth.db as the service created it before schema_migrations existed (the schema ran on every start).
    private const string SchemaBeforeMigrations = """
        CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
            disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_sign_in_at INTEGER);
        CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, username TEXT NOT NULL, created_at INTEGER NOT NULL,
            idle_expires_at INTEGER NOT NULL,
            absolute_expires_at INTEGER NOT NULL, revoked_at INTEGER, revoked_reason TEXT);
        CREATE INDEX IF NOT EXISTS sessions_active_by_user ON sessions (username) WHERE revoked_at IS NULL;
        CREATE TABLE IF NOT EXISTS refresh_tokens (token_hash TEXT PRIMARY KEY, session_id TEXT NOT NULL, created_at INTEGER NOT NULL,
            used_at INTEGER);
        CREATE INDEX IF NOT EXISTS refresh_tokens_by_session ON refresh_tokens (session_id);
        CREATE TABLE IF NOT EXISTS admin_seed (username TEXT PRIMARY KEY, hash_digest TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS revocations (seq INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT, target TEXT,
            client_ip TEXT, outcome TEXT NOT NULL, detail TEXT);
        CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
        INSERT INTO users VALUES ('carol', '$2b$10$carolshash', 'admin', 0, 1700000000000, 1700000000000, NULL);
        INSERT INTO audit (at, action, actor, target, client_ip, outcome, detail)
            VALUES (1700000000000, 'sign-in', 'carol', NULL, '198.51.100.7', 'ok', NULL);
        """;

    [Fact]
    public async Task AnAuthDatabaseFromBeforeMigrations_UpgradesInPlace_KeepingItsUsersAndAudit()
    {
        using var data = TemporaryDirectory.Create("upgrade-");
        await using (var old = new SqliteConnection($"Data Source={Path.Combine(data.Path, "auth.db")};Pooling=false"))
        {
            await old.ExecuteAsync(SchemaBeforeMigrations);
        }

        await using var database = new AuthDatabase(new DatabaseSettings(data.Path, null), NullLogger<AuthDatabase>.Instance);
        var applied = await database.MigrateAsync();

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
        var carol = await new UserStore(database).FindAsync("carol");
        Assert.Equal(("admin", "$2b$10$carolshash"), (carol!.Role, carol.PasswordHash));
        await using var connection = await database.OpenAsync();
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit WHERE actor = 'carol'"));
        Assert.True(
            await new UserStore(database).CreateAsync(
                new User("dave", "$2b$10$dave", "viewer", false, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null)
            )
        );
    }
}
