namespace Gateway.RateLimiting;

/// <summary>
/// The per-username rule: the first <see cref="FreeFailures"/> failed sign-ins are free; after that each further failure
/// makes that username wait twice as long before the next attempt (2 s, 4 s, … at most <see cref="MaxDelay"/>), from
/// any address; a success clears it. Growing delays rather than a lock: a stranger can slow a user's sign-in but
/// never lock them out for more than 15 minutes at a time.
/// </summary>
public static class SignInSlowdown
{
    public const int FreeFailures = 5;

    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);

    /// <summary>No wait for the first failures, then 2, 4, 8 … seconds, never more than 15 minutes.</summary>
    public static TimeSpan DelayAfter(int failures) =>
        failures <= FreeFailures ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(Math.Pow(2, failures - FreeFailures), MaxDelay.TotalSeconds));
}
