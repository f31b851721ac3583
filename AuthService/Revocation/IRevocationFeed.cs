namespace AuthService.Revocation;

/// <summary>
/// A revoked session: tokens carrying its <c>sid</c> are refused until <see cref="ExpiresAt"/>, when they would have expired anyway.
/// </summary>
public sealed record RevokedSession(string Sid, DateTimeOffset ExpiresAt);

/// <summary>
/// A page of the feed, the cursor to ask from next time, and the revoke-all time: every token issued at or before
/// it is refused (null: never). <see cref="Head"/> is the feed's last sequence number and <see cref="Epoch"/> names
/// the sequence: a verifier whose cursor is past the head (the database was restored from a backup) or that sees a
/// new epoch reads the feed again from the start.
/// </summary>
public sealed record RevocationBatch(
    long Cursor,
    IReadOnlyList<RevokedSession> Sessions,
    DateTimeOffset? RevokedBefore = null,
    long Head = 0,
    string? Epoch = null
);

/// <summary>
/// Where revocations are published for verifiers (the gateway, the RecordingsService). Embedded: a table they poll
/// through <c>GET /internal/revocations?since=</c>; with REDIS_URL each revocation is also pushed (RevocationPush).
/// </summary>
public interface IRevocationFeed
{
    /// <summary>Unexpired revocations after <paramref name="cursor"/> (0: all of them), oldest first.</summary>
    Task<RevocationBatch> ReadSinceAsync(long cursor, int limit, CancellationToken cancellationToken = default);
}
