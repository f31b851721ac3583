using Dapper;
using Platform.Storage.Database;
using Platform.Storage.Migrations;

namespace Platform.Storage.Audit;

/// <summary>The audit's migrations (table <c>audit</c>), which each owning service's database includes.</summary>
public static class AuditMigrations
{
    public static IReadOnlyList<Migration> Load(DatabaseEngine engine) => Migration.Load(typeof(AuditMigrations).Assembly, "audit", engine);
}

/// <summary>The audit in a service's database (SQLite or PostgreSQL), table <c>audit</c>.</summary>
public sealed class AuditLog(ServiceDatabase database, TimeProvider time) : IAuditLog
{
    private const string Insert =
        "INSERT INTO audit (at, action, actor, target, client_ip, outcome, detail) VALUES (@At, @Action, @Actor, @Target, @ClientIp, "
        + "@Outcome, @Detail)";

    public Task WriteAsync(
        string action,
        string? actor,
        string? target,
        string? clientIp,
        string outcome,
        string? detail = null,
        CancellationToken cancellationToken = default
    ) => WriteAllAsync([new AuditEntry(action, actor, target, clientIp, outcome, detail)], cancellationToken);

    public async Task WriteAllAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            Insert,
            entries.Select(e => new
            {
                At = at,
                e.Action,
                e.Actor,
                e.Target,
                e.ClientIp,
                e.Outcome,
                e.Detail,
            }),
            transaction
        );
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<long> CountAsync(
        string actor,
        IReadOnlyList<string> actions,
        DateTimeOffset since,
        CancellationToken cancellationToken = default
    )
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // One placeholder per action: the same SQL on both engines.
        var placeholders = string.Join(", ", actions.Select((_, i) => "@a" + i));
        var parameters = new DynamicParameters(new { actor, since = since.ToUnixTimeMilliseconds() });
        for (var i = 0; i < actions.Count; i++)
        {
            parameters.Add("a" + i, actions[i]);
        }

        return await connection.ExecuteScalarAsync<long>(
            $"SELECT COUNT(*) FROM audit WHERE at >= @since AND actor = @actor AND action IN ({placeholders})",
            parameters
        );
    }

    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM audit WHERE at < @cutoff", new { cutoff = cutoff.ToUnixTimeMilliseconds() });
    }

    public async Task<IReadOnlyList<AuditEvent>> ListAsync(
        int limit,
        long? before,
        string? action = null,
        CancellationToken cancellationToken = default
    )
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(
            long Id,
            long At,
            string Action,
            string? Actor,
            string? Target,
            string? ClientIp,
            string Outcome,
            string? Detail
        )>(
            "SELECT id, at, action, actor, target, client_ip, outcome, detail FROM audit WHERE id < @before"
                + (action is null ? "" : " AND action = @action")
                + " ORDER BY id DESC LIMIT @limit",
            new
            {
                before = before ?? long.MaxValue,
                limit = (long)limit,
                action,
            }
        );
        return
        [
            .. rows.Select(r => new AuditEvent(
                r.Id,
                DateTimeOffset.FromUnixTimeMilliseconds(r.At),
                r.Action,
                r.Actor,
                r.Target,
                r.ClientIp,
                r.Outcome,
                r.Detail
            )),
        ];
    }
}
