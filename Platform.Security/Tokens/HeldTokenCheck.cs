using Platform.Security.Revocation;

namespace Platform.Security.Tokens;

/// <summary>
/// The HTTP path's rules for a token held longer than a request: refused once its session is revoked (signed out, the
/// user disabled, demoted or deleted, a revoke-all), its signing key is no longer published (retired), or it has
/// expired, against the same state (the revocation feed and push, JWKS) the HTTP path reads.
/// </summary>
public sealed class HeldTokenCheck(RevokedSessions revoked, Func<string?, bool> isKeyPublished, TimeProvider time)
{
    /// <returns>Null while the HTTP path would still accept the token; otherwise why not.</returns>
    public string? Ended(HeldToken token) =>
        revoked.HasEnded(token.Session, token.IssuedAt) ? "session-ended"
        : time.GetUtcNow() > token.ExpiresAt + TokenConventions.ClockSkew ? "token-expired"
        : !isKeyPublished(token.Kid) ? "key-retired"
        : null;
}
