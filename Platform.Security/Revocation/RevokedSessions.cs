using System.Collections.Concurrent;

namespace Platform.Security.Revocation;

/// <summary>Sessions whose tokens a verifier must refuse, kept in memory until their tokens would have expired anyway.</summary>
public sealed class RevokedSessions(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    public int Count => _revoked.Count;

    private long _revokedBeforeSeconds = long.MinValue;

    public bool IsRevoked(string? sessionId) => sessionId is not null && _revoked.ContainsKey(sessionId);

    /// <summary>
    /// The one revocation rule for a token's session: ended when it names none (or no <c>iat</c>), when it was revoked,
    /// or when it was issued at or before a revoke-all.
    /// </summary>
    public bool HasEnded(string? sessionId, long? issuedAtSeconds) =>
        sessionId is null || issuedAtSeconds is not { } iat || IsRevoked(sessionId) || IsIssuedBeforeRevokeAll(iat);

    /// <summary>
    /// True for a token issued at or before the revoke-all time (<c>sessions revoke-all</c>): its session was issued
    /// before it. Compared in whole seconds, as <c>iat</c> is, so a token of the same second is refused too.
    /// </summary>
    public bool IsIssuedBeforeRevokeAll(long issuedAtSeconds) => issuedAtSeconds <= Interlocked.Read(ref _revokedBeforeSeconds);

    /// <summary>The revoke-all time from the feed; it only moves forward.</summary>
    public void RevokeAllBefore(DateTimeOffset at)
    {
        var seconds = at.ToUnixTimeSeconds();
        long current;
        while (
            seconds > (current = Interlocked.Read(ref _revokedBeforeSeconds))
            && Interlocked.CompareExchange(ref _revokedBeforeSeconds, seconds, current) != current
        ) { }
    }

    public void Add(string sessionId, DateTimeOffset expiresAt) => _revoked[sessionId] = expiresAt;

    /// <summary>Forgets entries whose tokens have all expired.</summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (sessionId, expiresAt) in _revoked)
        {
            if (expiresAt <= now)
            {
                _revoked.TryRemove(sessionId, out _);
            }
        }
    }
}
