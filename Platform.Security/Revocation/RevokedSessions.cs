using System.Collections.Concurrent;

namespace Platform.Security.Revocation;

/// <summary>Sessions whose tokens a verifier must refuse, kept in memory until their tokens would have expired anyway.</summary>
public sealed class RevokedSessions(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    public int Count => _revoked.Count;

    public bool IsRevoked(string? sessionId) => sessionId is not null && _revoked.ContainsKey(sessionId);

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
