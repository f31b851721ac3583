namespace Gateway.RateLimiting;

/// <summary>A fixed-window counter after one more hit: how many in this window, and when the window ends.</summary>
public readonly record struct WindowCount(long Count, DateTimeOffset ResetsAt);

/// <summary>Failed sign-ins for one username, and when the last one happened.</summary>
public readonly record struct LoginFailures(int Count, DateTimeOffset LastFailure);

/// <summary>
/// The counters behind the rate limits. In memory for one gateway; with several gateways a Redis implementation
/// (INCR with EXPIRE per window; a hash per username) shares them.
/// </summary>
public interface IRateLimitStore
{
    /// <summary>Counts one hit for <paramref name="key"/> in the fixed window (of length <paramref name="window"/>) containing now.</summary>
    ValueTask<WindowCount> HitAsync(string key, TimeSpan window, CancellationToken cancellationToken);

    ValueTask<LoginFailures> GetLoginFailuresAsync(string username, CancellationToken cancellationToken);

    ValueTask<LoginFailures> AddLoginFailureAsync(string username, CancellationToken cancellationToken);

    ValueTask ResetLoginFailuresAsync(string username, CancellationToken cancellationToken);
}
