using System.Collections.Concurrent;
using Platform.Security.Monitoring;
using Platform.Security.SignIn;

namespace Gateway.RateLimiting;

/// <summary>
/// Rate-limit counters in this process. Windows are aligned to the epoch, so every key resets at a predictable time.
/// Memory is bounded: at most <see cref="Capacity"/> client windows and as many usernames are kept
/// (<see cref="BoundedState"/>: when full, finished windows go first, then the keys with the fewest hits — what an
/// address spray leaves), and finished windows and forgotten failures are swept every <see cref="SweepInterval"/>.
/// </summary>
internal sealed class InMemoryRateLimitStore : IRateLimitStore, IDisposable
{
    public const int DefaultCapacity = 100_000;

    /// <summary>How long a username's failures are remembered without a new one.</summary>
    public static readonly TimeSpan FailureMemory = TimeSpan.FromHours(24);

    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SignInState> _signIns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SignInState> _devices = new(StringComparer.Ordinal);
    private readonly Lock _trimming = new();
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public InMemoryRateLimitStore(TimeProvider time, int capacity = DefaultCapacity)
    {
        _time = time;
        Capacity = capacity;
        _sweeper = time.CreateTimer(static store => ((InMemoryRateLimitStore)store!).Sweep(), this, SweepInterval, SweepInterval);
    }

    public int Capacity { get; }

    /// <summary>Client windows and usernames currently kept.</summary>
    public (int Windows, int Usernames) Count => (_windows.Count, _signIns.Count);

    public ValueTask<WindowCount> HitAsync(string key, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
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

        BoundedState.TrimIfFull(
            _windows,
            Capacity,
            _trimming,
            now,
            static (w, now) => Volatile.Read(ref w.Ends) <= now.UtcTicks,
            static w => Volatile.Read(ref w.Count)
        );

        return ValueTask.FromResult(new WindowCount(count, new DateTimeOffset(start + window.Ticks, TimeSpan.Zero)));
    }

    public ValueTask ReturnAsync(string key, TimeSpan window, WindowCount hit, CancellationToken cancellationToken)
    {
        if (_windows.TryGetValue(key, out var counter))
        {
            lock (counter)
            {
                if (counter.Ends == hit.ResetsAt.UtcTicks && counter.Count > 0)
                {
                    counter.Count--;
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<TimeSpan> TryBeginSignInAsync(string username, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var state = _signIns.GetOrAdd(username, static _ => new SignInState());
        // Usernames not slowed down go first: a username being guessed at has many failures.
        BoundedState.TrimIfFull(_signIns, Capacity, _trimming, now, static (s, now) => now - s.LastFailure >= FailureMemory, static s => s.Count);

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

    public ValueTask<bool> TryBeginDeviceSignInAsync(string deviceId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var state = _devices.GetOrAdd(deviceId, static _ => new SignInState());
        BoundedState.TrimIfFull(
            _devices,
            Capacity,
            _trimming,
            now,
            static (s, now) => now - s.LastFailure >= DeviceTokens.Lifetime,
            static s => s.Count
        );

        lock (state)
        {
            if (state.Count >= DeviceTokens.FailureBudget)
            {
                return ValueTask.FromResult(false);
            }

            state.Count++;
            state.LastFailure = now;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask EndDeviceSignInAsync(string deviceId, SignInOutcome outcome, CancellationToken cancellationToken)
    {
        if (_devices.TryGetValue(deviceId, out var state) && outcome != SignInOutcome.Failed)
        {
            lock (state)
            {
                state.Count = outcome == SignInOutcome.Succeeded ? 0 : Math.Max(0, state.Count - 1);
            }
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => _sweeper.Dispose();

    // Drop finished windows and forgotten failures so memory follows the number of active clients, not their history.
    private void Sweep()
    {
        var now = _time.GetUtcNow();
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

        foreach (var (key, value) in _devices)
        {
            if (now - value.LastFailure >= DeviceTokens.Lifetime || value.Count == 0)
            {
                _devices.TryRemove(KeyValuePair.Create(key, value));
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
