using AuthService.Configuration;
using Dapper;
using Microsoft.Data.Sqlite;

namespace AuthService.Storage;

/// <summary>
/// The embedded store: one SQLite file (DATA_DIR/auth.db) in WAL mode, shared by the service and the command line.
/// Each operation opens a pooled connection; the schema is created on first use.
/// </summary>
public sealed class AuthDatabase
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS users (
            username        TEXT PRIMARY KEY,
            password_hash   TEXT NOT NULL,
            role            TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
            disabled        INTEGER NOT NULL DEFAULT 0,
            created_at      INTEGER NOT NULL,
            updated_at      INTEGER NOT NULL,
            last_sign_in_at INTEGER
        );
        CREATE TABLE IF NOT EXISTS sessions (
            id                  TEXT PRIMARY KEY,
            username            TEXT NOT NULL,
            created_at          INTEGER NOT NULL,
            idle_expires_at     INTEGER NOT NULL,
            absolute_expires_at INTEGER NOT NULL,
            revoked_at          INTEGER,
            revoked_reason      TEXT
        );
        CREATE INDEX IF NOT EXISTS sessions_active_by_user ON sessions (username) WHERE revoked_at IS NULL;
        CREATE TABLE IF NOT EXISTS refresh_tokens (
            token_hash  TEXT PRIMARY KEY,
            session_id  TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            used_at     INTEGER
        );
        CREATE INDEX IF NOT EXISTS refresh_tokens_by_session ON refresh_tokens (session_id);
        CREATE TABLE IF NOT EXISTS revocations (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id  TEXT NOT NULL,
            expires_at  INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS audit (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            at         INTEGER NOT NULL,
            action     TEXT NOT NULL,
            actor      TEXT,
            target     TEXT,
            client_ip  TEXT,
            outcome    TEXT NOT NULL,
            detail     TEXT
        );
        """;

    private readonly string _connectionString;
    private readonly Lazy<bool> _initialized;

    public AuthDatabase(AuthSettings settings)
        : this(System.IO.Path.Combine(settings.DataDirectory, "auth.db"))
    {
    }

    public AuthDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 10,
        }.ToString();
        _initialized = new Lazy<bool>(Initialize);
    }

    public string Path { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        _ = _initialized.Value;
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Writers from the service and the command line wait for each other instead of failing.
        await connection.ExecuteAsync("PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;");
        return connection;
    }

    private bool Initialize()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        connection.Execute("PRAGMA busy_timeout = 10000;");
        connection.Execute(Schema);
        return true;
    }
}
