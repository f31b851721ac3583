using System.Collections.Concurrent;

namespace Platform.Security.Monitoring;

/// <summary>
/// Counts events per key (a client IP, a username) in windows that start with the key's first event, and says
/// when a key reaches the threshold — once per window, so a burst logs one warning, not one per event.
/// </summary>
public sealed class BurstDetector(int threshold, TimeSpan window, TimeProvider time)
{
    private const int SweepAbove = 10_000;
    private readonly ConcurrentDictionary<string, Burst> _bursts = new(StringComparer.Ordinal);

    public int Threshold => threshold;

    public TimeSpan Window => window;

    /// <returns>True when this event is the one that reaches the threshold within the window.</returns>
    public bool Record(string key)
    {
        var now = time.GetUtcNow();
        var burst = _bursts.AddOrUpdate(
            key,
            static (_, now) => new Burst(now, 1),
            (_, current, now) => now - current.Start > window ? new Burst(now, 1) : current with { Count = current.Count + 1 },
            now);
        if (_bursts.Count > SweepAbove)
        {
            foreach (var (staleKey, stale) in _bursts)
            {
                if (now - stale.Start > window)
                {
                    _bursts.TryRemove(staleKey, out _);
                }
            }
        }

        return burst.Count == threshold;
    }

    private sealed record Burst(DateTimeOffset Start, int Count);
}
