namespace AuthService.Sessions;

/// <summary>
/// A sign-in: one refresh-token family. Each refresh replaces the token; the session ends on sign-out, revocation,
/// reuse of a replaced token, after its idle time without a refresh, or at its absolute end.
/// </summary>
public sealed record Session(
    string Id,
    string Username,
    DateTimeOffset CreatedAt,
    DateTimeOffset IdleExpiresAt,
    DateTimeOffset AbsoluteExpiresAt,
    DateTimeOffset? RevokedAt
)
{
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && now < IdleExpiresAt && now < AbsoluteExpiresAt;
}

/// <summary>A stored refresh token (only its hash) and the session it belongs to.</summary>
public sealed record RefreshTokenRecord(string TokenHash, Session Session, DateTimeOffset? UsedAt);
