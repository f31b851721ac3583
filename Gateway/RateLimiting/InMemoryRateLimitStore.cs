using System.Collections.Concurrent;

namespace Gateway.RateLimiting;

/// <summary>Rate-limit counters in this process. Windows are aligned to the epoch, so every key resets at a predictable time.</summary>
internal sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    /// <summary>How long a username's failures are remembered without a new one.</summary>
    public static readonly TimeSpan FailureMemory = TimeSpan.FromHours(24);

    private const int SweepEvery = 4096;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SignInState> _signIns = new(StringComparer.Ordinal);
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

    public ValueTask<TimeSpan> TryBeginSignInAsync(string username, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var state = _signIns.GetOrAdd(username, static _ => new SignInState());
        lock (state)
        {
            if (now - state.LastFailure >= FailureMemory)
            {
                state.Count = 0;
            }

            var wait = state.LastFailure + SignInSlowdown.DelayAfter(state.Count) - now;
            if (wait > TimeSpan.Zero)
            {
                return ValueTask.FromResult(wait);
            }

            state.Count++;
            state.LastFailure = now;
            return ValueTask.FromResult(TimeSpan.Zero);
        }
    }

    public ValueTask EndSignInAsync(string username, SignInOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome == SignInOutcome.Succeeded)
        {
            _signIns.TryRemove(username, out _);
        }
        else if (outcome == SignInOutcome.Undecided && _signIns.TryGetValue(username, out var state))
        {
            lock (state)
            {
                state.Count = Math.Max(0, state.Count - 1);
            }
        }

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

        foreach (var (key, value) in _signIns)
        {
            if (now - value.LastFailure >= FailureMemory)
            {
                _signIns.TryRemove(KeyValuePair.Create(key, value));
            }
        }
    }

    private sealed class SignInState
    {
        public int Count;
        public DateTimeOffset LastFailure = DateTimeOffset.MinValue;
    }

    private sealed class Window
    {
        public long Start;
        public long Ends;
        public long Count;
    }
}
