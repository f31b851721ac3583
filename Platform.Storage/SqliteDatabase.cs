using Dapper;
using Microsoft.Data.Sqlite;

namespace Platform.Storage;

/// <summary>
/// An embedded SQLite database in WAL mode: pooled connections that wait for each other's writes (the service and
/// the command line may write at once), and a schema created on first use.
/// </summary>
public class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly Lazy<bool> _initialized;

    /// <param name="durable">synchronous=FULL (a commit survives a power cut) rather than NORMAL (survives a crash).</param>
    protected SqliteDatabase(string path, string schema, bool durable)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 10,
        }.ToString();
        _pragmas = $"PRAGMA busy_timeout = 10000; PRAGMA synchronous = {(durable ? "FULL" : "NORMAL")};";
        _initialized = new Lazy<bool>(() =>
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            connection.Execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;");
            connection.Execute(schema);
            return true;
        });
    }

    public string Path { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        _ = _initialized.Value;
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(_pragmas);
        return connection;
    }
}
