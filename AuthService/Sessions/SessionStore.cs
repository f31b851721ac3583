using AuthService.Revocation;
using AuthService.Storage;
using Dapper;

namespace AuthService.Sessions;

internal sealed class SessionStore(AuthDatabase database) : ISessionStore
{
    // A session issued before the revoke-all time counts as revoked at that time (SessionRow.ToSession).
    private const string RevokedBefore = "(SELECT at FROM revoked_before WHERE id = 1)";
    private const string SessionColumns =
        "s.id AS Id, s.username AS Username, s.created_at AS CreatedAt, s.idle_expires_at AS IdleExpiresAt, s.absolute_expires_at AS "
        + "AbsoluteExpiresAt, "
        + "s.revoked_at AS RevokedAt, c.at AS RevokedBefore";
    private const string WithRevokeAll = "LEFT JOIN revoked_before c ON c.id = 1";
    private const string Active = "revoked_at IS NULL AND created_at >= COALESCE(" + RevokedBefore + ", 0)";

    public async Task<bool> CreateAsync(Session session, string refreshTokenHash, long userVersion, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // User changes take this turn until they commit (UserStore), and the session is written in one statement with
        // the version check (on SQLite a write transaction starts at it): a change either commits first and the check
        // fails, or commits after, and then ends this session with the user's others.
        await database.TakeTurnAsync(connection, transaction, "users");
        var created = await connection.ExecuteAsync(
            "INSERT INTO sessions (id, username, created_at, idle_expires_at, absolute_expires_at) "
                + "SELECT @Id, @Username, @CreatedAt, @IdleExpiresAt, @AbsoluteExpiresAt WHERE EXISTS "
                + "(SELECT 1 FROM users WHERE username = @Username AND version = @userVersion AND disabled = 0)",
            new
            {
                session.Id,
                session.Username,
                CreatedAt = session.CreatedAt.ToUnixTimeMilliseconds(),
                IdleExpiresAt = session.IdleExpiresAt.ToUnixTimeMilliseconds(),
                AbsoluteExpiresAt = session.AbsoluteExpiresAt.ToUnixTimeMilliseconds(),
                userVersion,
            },
            transaction
        );
        if (created != 1)
        {
            return false;
        }

        await connection.ExecuteAsync(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (@hash, @id, @at)",
            new
            {
                hash = refreshTokenHash,
                id = session.Id,
                at = session.CreatedAt.ToUnixTimeMilliseconds(),
            },
            transaction
        );
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<Session?> FindAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<SessionRow>(
            $"SELECT {SessionColumns} FROM sessions s {WithRevokeAll} WHERE s.id = @sessionId",
            new { sessionId }
        );
        return row?.ToSession();
    }

    public async Task<RefreshTokenRecord?> FindByRefreshTokenAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RefreshRow>(
            $"SELECT r.token_hash AS TokenHash, r.used_at AS UsedAt, {SessionColumns} FROM refresh_tokens r JOIN sessions s ON s.id = "
                + $"r.session_id {WithRevokeAll} WHERE r.token_hash = @tokenHash",
            new { tokenHash }
        );
        return row is null
            ? null
            : new RefreshTokenRecord(
                row.TokenHash,
                new SessionRow(
                    row.Id,
                    row.Username,
                    row.CreatedAt,
                    row.IdleExpiresAt,
                    row.AbsoluteExpiresAt,
                    row.RevokedAt,
                    row.RevokedBefore
                ).ToSession(),
                row.UsedAt is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.UsedAt.Value)
            );
    }

    public async Task<bool> RotateAsync(
        string oldTokenHash,
        string newTokenHash,
        string sessionId,
        DateTimeOffset now,
        DateTimeOffset idleExpiresAt,
        CancellationToken cancellationToken = default
    )
    {
        var at = now.ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await connection.ExecuteAsync(
            "UPDATE refresh_tokens SET used_at = @at WHERE token_hash = @oldTokenHash AND used_at IS NULL",
            new { at, oldTokenHash },
            transaction
        );
        if (claimed != 1)
        {
            return false;
        }

        await connection.ExecuteAsync(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (@newTokenHash, @sessionId, @at)",
            new
            {
                newTokenHash,
                sessionId,
                at,
            },
            transaction
        );
        await connection.ExecuteAsync(
            "UPDATE sessions SET idle_expires_at = @idle WHERE id = @sessionId",
            new { idle = idleExpiresAt.ToUnixTimeMilliseconds(), sessionId },
            transaction
        );
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<string>> RevokeAsync(
        IEnumerable<string> sessionIds,
        string reason,
        DateTimeOffset now,
        DateTimeOffset refusedUntil,
        CancellationToken cancellationToken = default
    )
    {
        var revoked = new List<string>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RevocationFeed.TakeTurnAsync(database, connection, transaction);
        foreach (var id in sessionIds)
        {
            var changed = await connection.ExecuteAsync(
                "UPDATE sessions SET revoked_at = @at, revoked_reason = @reason WHERE id = @id AND revoked_at IS NULL",
                new
                {
                    id,
                    reason,
                    at = now.ToUnixTimeMilliseconds(),
                },
                transaction
            );
            if (changed == 1)
            {
                revoked.Add(id);
            }
        }

        await RevocationFeed.AppendAsync(connection, transaction, [.. revoked.Select(id => new RevokedSession(id, refusedUntil))], now);
        await transaction.CommitAsync(cancellationToken);
        return revoked;
    }

    public async Task<IReadOnlyList<string>> ActiveSessionIdsAsync(string? username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = username is null
            ? await connection.QueryAsync<string>($"SELECT id FROM sessions WHERE {Active}")
            : await connection.QueryAsync<string>($"SELECT id FROM sessions WHERE {Active} AND username = @username", new { username });
        return [.. ids];
    }

    public async Task<int> RevokeAllIssuedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var at = cutoff.ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ended = await connection.ExecuteScalarAsync<long>(
            $"SELECT COUNT(*) FROM sessions WHERE {Active} AND created_at < @at",
            new { at },
            transaction
        );
        await connection.ExecuteAsync(
            "INSERT INTO revoked_before (id, at) VALUES (1, @at) ON CONFLICT (id) DO UPDATE SET at = CASE WHEN excluded.at > "
                + "revoked_before.at THEN excluded.at ELSE revoked_before.at END",
            new { at },
            transaction
        );
        // Run after a restore from a backup, where the feed's sequence went back: verifiers start it over.
        await RevocationFeed.NewEpochAsync(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return (int)ended;
    }

    private sealed record SessionRow(
        string Id,
        string Username,
        long CreatedAt,
        long IdleExpiresAt,
        long AbsoluteExpiresAt,
        long? RevokedAt,
        long? RevokedBefore
    )
    {
        public Session ToSession() =>
            new(
                Id,
                Username,
                DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
                DateTimeOffset.FromUnixTimeMilliseconds(IdleExpiresAt),
                DateTimeOffset.FromUnixTimeMilliseconds(AbsoluteExpiresAt),
                (RevokedAt ?? (CreatedAt < RevokedBefore ? RevokedBefore : null)) is { } revoked
                    ? DateTimeOffset.FromUnixTimeMilliseconds(revoked)
                    : null
            );
    }

    private sealed record RefreshRow(
        string TokenHash,
        long? UsedAt,
        string Id,
        string Username,
        long CreatedAt,
        long IdleExpiresAt,
        long AbsoluteExpiresAt,
        long? RevokedAt,
        long? RevokedBefore
    );
}
