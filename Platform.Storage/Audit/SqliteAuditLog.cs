using Dapper;
using Microsoft.Data.Sqlite;

namespace Platform.Storage.Audit;

/// <summary>
/// The audit in a service's SQLite database, table <c>audit</c>; the service's database includes <see cref="Schema"/>.
/// </summary>
public sealed class SqliteAuditLog(Func<CancellationToken, Task<SqliteConnection>> open, TimeProvider time) : IAuditLog
{
    /// <summary>The table this log writes, for the owning database's schema.</summary>
    public const string Schema = """
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
        CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
        """;

    private const string Insert = "INSERT INTO audit (at, action, actor, target, client_ip, outcome, detail) VALUES (@At, @Action, @Actor, @Target, @ClientIp, @Outcome, @Detail)";

    public Task WriteAsync(string action, string? actor, string? target, string? clientIp, string outcome, string? detail = null, CancellationToken cancellationToken = default) =>
        WriteAllAsync([new AuditEntry(action, actor, target, clientIp, outcome, detail)], cancellationToken);

    public async Task WriteAllAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await open(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(Insert, entries.Select(e => new { At = at, e.Action, e.Actor, e.Target, e.ClientIp, e.Outcome, e.Detail }), transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = await open(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM audit WHERE at < @cutoff", new { cutoff = cutoff.ToUnixTimeMilliseconds() });
    }

    public async Task<IReadOnlyList<AuditEvent>> ListAsync(int limit, long? before, CancellationToken cancellationToken = default)
    {
        await using var connection = await open(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, long At, string Action, string? Actor, string? Target, string? ClientIp, string Outcome, string? Detail)>(
            "SELECT id, at, action, actor, target, client_ip, outcome, detail FROM audit WHERE (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit",
            new { before, limit });
        return [.. rows.Select(r => new AuditEvent(r.Id, DateTimeOffset.FromUnixTimeMilliseconds(r.At), r.Action, r.Actor, r.Target, r.ClientIp, r.Outcome, r.Detail))];
    }
}
