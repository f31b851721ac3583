using System.Collections.Concurrent;

namespace Platform.Security.Monitoring;

/// <summary>
/// Counts events per key (a client, a username) in windows that start with the key's first event, and says when a key
/// reaches the threshold — once per window, so a burst logs one warning, not one per event. At most
/// <see cref="Capacity"/> keys are kept (<see cref="BoundedState"/>), and finished windows are swept once per window.
/// </summary>
public sealed class BurstDetector : IDisposable
{
    public const int DefaultCapacity = 50_000;

    private readonly ConcurrentDictionary<string, Burst> _bursts = new(StringComparer.Ordinal);
    private readonly Lock _trimming = new();
    private readonly int _threshold;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly ITimer _sweeper;

    public BurstDetector(int threshold, TimeSpan window, TimeProvider time, int capacity = DefaultCapacity)
    {
        _threshold = threshold;
        _window = window;
        _time = time;
        _capacity = capacity;
        _sweeper = time.CreateTimer(static state => ((BurstDetector)state!).Sweep(), this, window, window);
    }

    public int Threshold => _threshold;

    public TimeSpan Window => _window;

    public int Capacity => _capacity;

    /// <summary>Keys currently tracked.</summary>
    public int Count => _bursts.Count;

    /// <returns>True when this event is the one that reaches the threshold within the window.</returns>
    public bool Record(string key)
    {
        var now = _time.GetUtcNow();
        var burst = _bursts.AddOrUpdate(
            key,
            static (_, now) => new Burst(now, 1),
            (_, current, now) => now - current.Start > _window ? new Burst(now, 1) : current with { Count = current.Count + 1 },
            now
        );
        if (_bursts.Count > _capacity)
        {
            BoundedState.TrimIfFull(_bursts, _capacity, _trimming, now, (b, now) => now - b.Start > _window, static b => b.Count);
        }

        return burst.Count == _threshold;
    }

    /// <summary>Forgets keys whose window has ended.</summary>
    public void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var entry in _bursts)
        {
            if (now - entry.Value.Start > _window)
            {
                _bursts.TryRemove(entry);
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private sealed record Burst(DateTimeOffset Start, int Count);
}
