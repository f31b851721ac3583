namespace AuthService.Sessions;

/// <summary>Sessions and their refresh tokens (hashed). In the service's database (SQLite or PostgreSQL).</summary>
public interface ISessionStore
{
    /// <summary>
    /// Creates the session and its first refresh token if its user is still enabled and at <paramref name="userVersion"/>,
    /// checked and written atomically against every user change (on any replica): a sign-in in flight never outlives a
    /// password reset, disabling, demotion or deletion that committed before it.
    /// </summary>
    /// <returns>False, with nothing written, when the user changed (or went) since it was read.</returns>
    Task<bool> CreateAsync(Session session, string refreshTokenHash, long userVersion, CancellationToken cancellationToken = default);
    Task<Session?> FindAsync(string sessionId, CancellationToken cancellationToken = default);
    Task<RefreshTokenRecord?> FindByRefreshTokenAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Marks the old token used and stores its successor, atomically.</summary>
    /// <returns>False when the old token was already used (a concurrent or replayed refresh).</returns>
    Task<bool> RotateAsync(
        string oldTokenHash,
        string newTokenHash,
        string sessionId,
        DateTimeOffset now,
        DateTimeOffset idleExpiresAt,
        CancellationToken cancellationToken = default
    );

    /// <summary>
    /// Ends the given sessions that are still active and puts them on the revocation feed (verifiers refuse their
    /// tokens until <paramref name="refusedUntil"/>), in one transaction: the feed never lacks a revoked session.
    /// </summary>
    /// <returns>The ids that were active and are now revoked.</returns>
    Task<IReadOnlyList<string>> RevokeAsync(
        IEnumerable<string> sessionIds,
        string reason,
        DateTimeOffset now,
        DateTimeOffset refusedUntil,
        CancellationToken cancellationToken = default
    );

    /// <summary>
    /// Revokes every session issued before <paramref name="cutoff"/> with one row, however many there are (verifiers
    /// learn it from the feed and refuse every token issued before it).
    /// </summary>
    /// <returns>How many sessions were active and are now revoked.</returns>
    Task<int> RevokeAllIssuedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<string>> ActiveSessionIdsAsync(string? username, CancellationToken cancellationToken = default);
}
