using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Storage.Migrations;

namespace Platform.Storage.Database;

public enum DatabaseEngine
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// A service's database: an embedded SQLite file (<c>DATA_DIR/{name}.db</c>, WAL, pooled connections that wait for
/// each other's writes) or, with DATABASE_URL, the PostgreSQL schema <c>{name}</c> through one pooled
/// <see cref="NpgsqlDataSource"/>. Its migrations are applied before the first connection is handed out (and at
/// start-up, and by the <c>migrate</c> command), once, however many replicas start together.
/// </summary>
public abstract partial class ServiceDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqlite;
    private readonly string _pragmas;
    private readonly IReadOnlyList<Migration> _migrations;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _migrating = new(1, 1);
    private volatile bool _migrated;

    /// <param name="name">The SQLite file's name and the PostgreSQL schema: what the service owns.</param>
    /// <param name="durable">SQLite: synchronous=FULL (a commit survives a power cut) rather than NORMAL (a crash).</param>
    /// <param name="migrations">Every migration of this database, from <see cref="Migration.Load"/>.</param>
    protected ServiceDatabase(
        DatabaseSettings settings,
        string name,
        bool durable,
        Func<DatabaseEngine, IReadOnlyList<Migration>> migrations,
        ILogger logger
    )
    {
        Name = name;
        _logger = logger;
        _pragmas = $"PRAGMA busy_timeout = 10000; PRAGMA synchronous = {(durable ? "FULL" : "NORMAL")};";
        if (settings.PostgresConnectionString is { } connectionString)
        {
            Engine = DatabaseEngine.PostgreSql;
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            builder.ConnectionStringBuilder.SearchPath = name;
            builder.ConnectionStringBuilder.ApplicationName ??= name;
            // A database that does not answer: a quick 503, not a request hanging for Npgsql's default 15 s.
            if (builder.ConnectionStringBuilder.Timeout == 15)
            {
                builder.ConnectionStringBuilder.Timeout = 5;
            }

            _postgres = builder.Build();
            var connection = builder.ConnectionStringBuilder;
            Description = $"PostgreSQL {connection.Host}:{connection.Port}/{connection.Database}, schema {name}";
        }
        else
        {
            Engine = DatabaseEngine.Sqlite;
            Path = System.IO.Path.Combine(settings.DataDirectory, name + ".db");
            _sqlite = new SqliteConnectionStringBuilder
            {
                DataSource = Path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = 10,
            }.ToString();
            Description = $"SQLite {Path}";
        }

        _migrations = migrations(Engine);
    }

    public DatabaseEngine Engine { get; }

    /// <summary>The SQLite file's base name and the PostgreSQL schema.</summary>
    public string Name { get; }

    /// <summary>The SQLite file (null on PostgreSQL).</summary>
    public string? Path { get; }

    /// <summary>Where the data is, for logs: never a password.</summary>
    public string Description { get; }

    public IReadOnlyList<Migration> Migrations => _migrations;

    /// <summary>An open connection, the schema migrated.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        await MigrateAsync(cancellationToken);
        return await OpenWithoutMigratingAsync(cancellationToken);
    }

    /// <summary>Applies the migrations not yet applied (once per process; <see cref="Migrator"/> makes it once per database).</summary>
    /// <returns>The migrations this call applied.</returns>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (_migrated)
        {
            return [];
        }

        await _migrating.WaitAsync(cancellationToken);
        try
        {
            if (_migrated)
            {
                return [];
            }

            if (Engine == DatabaseEngine.Sqlite)
            {
                // WAL, kept by the file once set: a commit appends to the log and syncs it once, where the default
                // rollback journal creates, syncs and deletes a journal file per commit (3-4 fsyncs; the engine-neutral
                // storage had dropped this, which made each stored callback ~1 ms slower).
                await using var connection = await OpenWithoutMigratingAsync(cancellationToken);
                await connection.ExecuteAsync("PRAGMA journal_mode = WAL;");
            }

            var applied = await Migrator.ApplyAsync(this, _migrations, cancellationToken);
            foreach (var migration in applied)
            {
                LogApplied(migration.Component, migration.Id, Description);
            }

            _migrated = true;
            return applied;
        }
        finally
        {
            _migrating.Release();
        }
    }

    /// <summary>
    /// Makes writers of <paramref name="resource"/> take turns from here to the end of <paramref name="transaction"/>,
    /// across replicas: a PostgreSQL advisory transaction lock. SQLite's write transactions take turns already.
    /// </summary>
    public Task TakeTurnAsync(DbConnection connection, DbTransaction transaction, string resource) =>
        Engine == DatabaseEngine.PostgreSql
            ? connection.ExecuteAsync(
                "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
                new { key = $"recordings-platform/{resource}" },
                transaction
            )
            : Task.CompletedTask;

    /// <summary>
    /// Runs a periodic job unless another replica is running it right now: on PostgreSQL the run holds a session-level
    /// advisory lock named after the job (released when the run ends, or when its connection dies); SQLite serves one
    /// machine, so the job always runs.
    /// </summary>
    /// <returns>False when another replica was running it, and this one did nothing.</returns>
    public async Task<bool> TryRunExclusiveAsync(string job, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        if (Engine != DatabaseEngine.PostgreSql)
        {
            await work(cancellationToken);
            return true;
        }

        var key = $"recordings-platform/{Name}/{job}";
        await using var connection = await OpenAsync(cancellationToken);
        if (!await connection.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", new { key }))
        {
            return false;
        }

        try
        {
            await work(cancellationToken);
            return true;
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", new { key });
        }
    }

    internal async Task<DbConnection> OpenWithoutMigratingAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_sqlite);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(_pragmas);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        _migrating.Dispose();
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Component}/{Migration} to {Database}")]
    private partial void LogApplied(string component, string migration, string database);
}
