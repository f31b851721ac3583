using AuthService.Audit;
using AuthService.Configuration;
using AuthService.Revocation;
using Platform.Security.Revocation;
using Platform.Security.Tokens;
using Platform.Storage.Audit;

namespace AuthService.Sessions;

/// <summary>
/// Ends sessions and publishes them on the revocation feed, so the gateway and the RecordingsService refuse their
/// access tokens within seconds. Used by the API and by the <c>sessions revoke-all</c> command alike.
/// </summary>
public sealed partial class SessionRevoker(
    ISessionStore sessions,
    IAuditLog audit,
    AuthSettings settings,
    TimeProvider time,
    ILogger<SessionRevoker> logger,
    StackExchange.Redis.IConnectionMultiplexer? redis = null
)
{
    /// <returns>How many of the sessions were active and are now revoked.</returns>
    public async Task<int> RevokeAsync(IReadOnlyList<string> sessionIds, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Any access token of these sessions is dead by the time the longest one issued now would expire.
        var refusedUntil = now + settings.AccessTokenLifetime + TokenConventions.ClockSkew;
        var revoked = await sessions.RevokeAsync(sessionIds, reason, now, refusedUntil, cancellationToken);
        await PushAsync([.. revoked.Select(id => (id, refusedUntil))], null);
        return revoked.Count;
    }

    /// <summary>
    /// Ends every session of one user, or of everyone (<paramref name="username"/> null: one "issued before now" row,
    /// whatever their number), and audits it.
    /// </summary>
    public async Task<int> EndSessionsAsync(string? username, string reason, string? actor, string? clientIp, CancellationToken cancellationToken)
    {
        int revoked;
        if (username is null)
        {
            var cutoff = time.GetUtcNow();
            revoked = await sessions.RevokeAllIssuedBeforeAsync(cutoff, cancellationToken);
            await PushAsync([], cutoff);
        }
        else
        {
            revoked = await RevokeAsync(await sessions.ActiveSessionIdsAsync(username, cancellationToken), reason, cancellationToken);
        }

        await audit.WriteAsync(
            AuthAuditActions.SessionsRevoked,
            actor,
            username ?? "*",
            clientIp,
            "success",
            $"{revoked} session(s): {reason}",
            cancellationToken
        );
        return revoked;
    }

    // After the commit: verifiers apply it within a second. If Redis does not take it, they read it from the feed.
    private async Task PushAsync(IReadOnlyList<(string Sid, DateTimeOffset ExpiresAt)> revoked, DateTimeOffset? revokedBefore)
    {
        if (redis is null || (revoked.Count == 0 && revokedBefore is null))
        {
            return;
        }

        try
        {
            await redis.GetSubscriber().PublishAsync(RevocationPush.Channel, RevocationPush.Serialize(revoked, revokedBefore));
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            LogNotPushed(revoked.Count, ex.Message);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "{Count} revocation(s) not pushed ({Reason}); verifiers read them from the feed at their next poll"
    )]
    private partial void LogNotPushed(int count, string reason);
}
