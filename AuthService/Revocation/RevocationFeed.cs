using System.Data.Common;
using System.Security.Cryptography;
using AuthService.Storage;
using Dapper;

namespace AuthService.Revocation;

internal sealed class RevocationFeed(AuthDatabase database, TimeProvider time) : IRevocationFeed
{
    /// <summary>
    /// Called first in a transaction that revokes sessions (<see cref="Sessions.SessionStore.RevokeAsync"/>): revokers
    /// take turns from here to their commit, so the feed's sequence numbers commit in order and a reader that has seen
    /// N never misses a smaller one committed later (sequence values are handed out at insert, not at commit).
    /// </summary>
    internal static Task TakeTurnAsync(AuthDatabase database, DbConnection connection, DbTransaction transaction) =>
        database.TakeTurnAsync(connection, transaction, "revocations");

    /// <summary>Appends revoked sessions in the caller's transaction, so they commit with the session change they reflect.</summary>
    internal static async Task AppendAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<RevokedSession> sessions,
        DateTimeOffset now
    )
    {
        if (sessions.Count == 0)
        {
            return;
        }

        // Entries nobody needs any more (their tokens have expired) go as new ones arrive.
        await connection.ExecuteAsync("DELETE FROM revocations WHERE expires_at < @now", new { now = now.ToUnixTimeMilliseconds() }, transaction);
        await connection.ExecuteAsync(
            "INSERT INTO revocations (session_id, expires_at) VALUES (@Sid, @expires)",
            sessions.Select(session => new { session.Sid, expires = session.ExpiresAt.ToUnixTimeMilliseconds() }),
            transaction
        );
    }

    public async Task<RevocationBatch> ReadSinceAsync(long cursor, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (
            await connection.QueryAsync<(long Seq, string Sid, long ExpiresAt)>(
                "SELECT seq, session_id, expires_at FROM revocations WHERE seq > @cursor ORDER BY seq LIMIT @limit",
                new { cursor, limit }
            )
        ).ToList();
        var now = time.GetUtcNow();
        var sessions = rows.Select(r => new RevokedSession(r.Sid, DateTimeOffset.FromUnixTimeMilliseconds(r.ExpiresAt)))
            .Where(r => r.ExpiresAt > now)
            .ToList();
        var state = await connection.QuerySingleAsync<(long? RevokedBefore, string Epoch, long Head)>(
            "SELECT (SELECT at FROM revoked_before WHERE id = 1), (SELECT epoch FROM revocation_epoch WHERE id = 1), (SELECT "
                + "COALESCE(MAX(seq), 0) FROM revocations)"
        );
        return new RevocationBatch(
            rows.Count == 0 ? cursor : rows[^1].Seq,
            sessions,
            state.RevokedBefore is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(state.RevokedBefore.Value),
            state.Head,
            state.Epoch
        );
    }

    /// <summary>A new epoch, in the caller's transaction: every verifier reads the feed again from the start.</summary>
    internal static Task NewEpochAsync(DbConnection connection, DbTransaction transaction) =>
        connection.ExecuteAsync(
            "UPDATE revocation_epoch SET epoch = @epoch WHERE id = 1",
            new { epoch = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) },
            transaction
        );
}
