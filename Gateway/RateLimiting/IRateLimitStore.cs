namespace Gateway.RateLimiting;

/// <summary>A fixed-window counter after one more hit: how many in this window, and when the window ends.</summary>
public readonly record struct WindowCount(long Count, DateTimeOffset ResetsAt);

/// <summary>How a sign-in attempt ended, for its username's state.</summary>
public enum SignInOutcome
{
    /// <summary>200: the username's failures are forgotten.</summary>
    Succeeded,

    /// <summary>401: the attempt stays counted as a failure.</summary>
    Failed,

    /// <summary>Anything else (malformed, busy, an error): the attempt is not counted.</summary>
    Undecided,
}

/// <summary>
/// The counters behind the rate limits: in memory for one gateway (InMemoryRateLimitStore); with REDIS_URL shared by
/// every gateway (RedisRateLimitStore, Lua scripts; the in-memory store is its fallback).
/// </summary>
public interface IRateLimitStore
{
    /// <summary>Counts one hit for <paramref name="key"/> in the fixed window (of length <paramref name="window"/>) containing now.</summary>
    ValueTask<WindowCount> HitAsync(string key, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Takes back a hit that turned out to cost the client nothing (a sign-in shed for load), if its window still runs.</summary>
    ValueTask ReturnAsync(string key, TimeSpan window, WindowCount hit, CancellationToken cancellationToken);

    /// <summary>
    /// In one atomic step: when the username must still wait (<see cref="SignInSlowdown.DelayAfter"/> its failures),
    /// returns how long; otherwise counts this attempt as a failure in advance and returns zero, so concurrent
    /// guesses cannot all pass one check. <see cref="EndSignInAsync"/> settles the attempt.
    /// </summary>
    ValueTask<TimeSpan> TryBeginSignInAsync(string username, CancellationToken cancellationToken);

    ValueTask EndSignInAsync(string username, SignInOutcome outcome, CancellationToken cancellationToken);

    /// <summary>
    /// A recognised device's own budget, in one atomic step: false once it has had its failures
    /// (<see cref="Platform.Security.SignIn.DeviceTokens.FailureBudget"/>; its cookie no longer counts), otherwise
    /// reserves this attempt as a failure until <see cref="EndDeviceSignInAsync"/> settles it (a success clears it).
    /// </summary>
    ValueTask<bool> TryBeginDeviceSignInAsync(string deviceId, CancellationToken cancellationToken);

    ValueTask EndDeviceSignInAsync(string deviceId, SignInOutcome outcome, CancellationToken cancellationToken);
}
