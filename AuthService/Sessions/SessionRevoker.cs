using Platform.Storage.Audit;
using AuthService.Audit;
using AuthService.Configuration;
using AuthService.Revocation;
using Platform.Security.Tokens;

namespace AuthService.Sessions;

/// <summary>
/// Ends sessions and publishes them on the revocation feed, so the gateway and the RecordingsService refuse their
/// access tokens within seconds. Used by the API and by the <c>sessions revoke-all</c> command alike.
/// </summary>
public sealed class SessionRevoker(ISessionStore sessions, IAuditLog audit, AuthSettings settings, TimeProvider time)
{
    /// <returns>How many of the sessions were active and are now revoked.</returns>
    public async Task<int> RevokeAsync(IReadOnlyList<string> sessionIds, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Any access token of these sessions is dead by the time the longest one issued now would expire.
        var refusedUntil = now + settings.AccessTokenLifetime + TokenConventions.ClockSkew;
        var revoked = await sessions.RevokeAsync(sessionIds, reason, now, refusedUntil, cancellationToken);
        return revoked.Count;
    }

    /// <summary>
    /// Ends every session of one user, or of everyone (<paramref name="username"/> null: one "issued before now" row,
    /// whatever their number), and audits it.
    /// </summary>
    public async Task<int> EndSessionsAsync(string? username, string reason, string? actor, string? clientIp, CancellationToken cancellationToken)
    {
        var revoked = username is null
            ? await sessions.RevokeAllIssuedBeforeAsync(time.GetUtcNow(), cancellationToken)
            : await RevokeAsync(await sessions.ActiveSessionIdsAsync(username, cancellationToken), reason, cancellationToken);
        await audit.WriteAsync(AuthAuditActions.SessionsRevoked, actor, username ?? "*", clientIp, "success", $"{revoked} session(s): {reason}", cancellationToken);
        return revoked;
    }
}
