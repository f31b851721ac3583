using AuthService.Storage;
using Dapper;
using Platform.Storage.Database;

namespace AuthService.Revocation;

internal sealed class RevocationFeed(AuthDatabase database, TimeProvider time) : IRevocationFeed
{
    public async Task PublishAsync(IReadOnlyList<RevokedSession> sessions, CancellationToken cancellationToken = default)
    {
        if (sessions.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (database.Engine == DatabaseEngine.PostgreSql)
        {
            // Publishers take turns, so sequence numbers commit in order: a reader that has seen seq N never misses a
            // smaller one committed later (sequence values are handed out at insert, not at commit).
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended('recordings-platform/revocations', 0))", transaction: transaction);
        }

        // Entries nobody needs any more (their tokens have expired) go as new ones arrive.
        await connection.ExecuteAsync("DELETE FROM revocations WHERE expires_at < @now", new { now = time.GetUtcNow().ToUnixTimeMilliseconds() }, transaction);
        foreach (var session in sessions)
        {
            await connection.ExecuteAsync(
                "INSERT INTO revocations (session_id, expires_at) VALUES (@Sid, @expires)",
                new { session.Sid, expires = session.ExpiresAt.ToUnixTimeMilliseconds() }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<RevocationBatch> ReadSinceAsync(long cursor, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(long Seq, string Sid, long ExpiresAt)>(
            "SELECT seq, session_id, expires_at FROM revocations WHERE seq > @cursor ORDER BY seq LIMIT @limit",
            new { cursor, limit })).ToList();
        var now = time.GetUtcNow();
        var sessions = rows
            .Select(r => new RevokedSession(r.Sid, DateTimeOffset.FromUnixTimeMilliseconds(r.ExpiresAt)))
            .Where(r => r.ExpiresAt > now)
            .ToList();
        return new RevocationBatch(rows.Count == 0 ? cursor : rows[^1].Seq, sessions);
    }
}
