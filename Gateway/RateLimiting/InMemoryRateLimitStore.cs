using System.Collections.Concurrent;

namespace Gateway.RateLimiting;

/// <summary>Rate-limit counters in this process. Windows are aligned to the epoch, so every key resets at a predictable time.</summary>
internal sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    /// <summary>How long a username's failures are remembered without a new one.</summary>
    public static readonly TimeSpan FailureMemory = TimeSpan.FromHours(24);

    private const int SweepEvery = 4096;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LoginFailures> _failures = new(StringComparer.Ordinal);
    private int _hits;

    public ValueTask<WindowCount> HitAsync(string key, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var start = now.UtcTicks - (now.UtcTicks % window.Ticks);
        var counter = _windows.GetOrAdd(key, static _ => new Window());
        long count;
        lock (counter)
        {
            if (counter.Start != start)
            {
                counter.Start = start;
                counter.Ends = start + window.Ticks;
                counter.Count = 0;
            }

            count = ++counter.Count;
        }

        if (Interlocked.Increment(ref _hits) % SweepEvery == 0)
        {
            Sweep(now);
        }

        return ValueTask.FromResult(new WindowCount(count, new DateTimeOffset(start + window.Ticks, TimeSpan.Zero)));
    }

    public ValueTask<LoginFailures> GetLoginFailuresAsync(string username, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return ValueTask.FromResult(_failures.TryGetValue(username, out var failures) && now - failures.LastFailure < FailureMemory
            ? failures
            : new LoginFailures(0, DateTimeOffset.MinValue));
    }

    public ValueTask<LoginFailures> AddLoginFailureAsync(string username, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var updated = _failures.AddOrUpdate(
            username,
            static (_, now) => new LoginFailures(1, now),
            static (_, current, now) => now - current.LastFailure < FailureMemory ? new LoginFailures(current.Count + 1, now) : new LoginFailures(1, now),
            now);
        return ValueTask.FromResult(updated);
    }

    public ValueTask ResetLoginFailuresAsync(string username, CancellationToken cancellationToken)
    {
        _failures.TryRemove(username, out _);
        return ValueTask.CompletedTask;
    }

    // Drop finished windows and forgotten failures so memory follows the number of active clients, not their history.
    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, value) in _windows)
        {
            if (Volatile.Read(ref value.Ends) <= now.UtcTicks)
            {
                _windows.TryRemove(KeyValuePair.Create(key, value));
            }
        }

        foreach (var (key, value) in _failures)
        {
            if (now - value.LastFailure >= FailureMemory)
            {
                _failures.TryRemove(KeyValuePair.Create(key, value));
            }
        }
    }

    private sealed class Window
    {
        public long Start;
        public long Ends;
        public long Count;
    }
}
