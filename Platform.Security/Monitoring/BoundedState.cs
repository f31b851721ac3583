using System.Collections.Concurrent;

namespace Platform.Security.Monitoring;

/// <summary>
/// Keeps per-key state (per client, per username) within a fixed number of keys, so a spray of distinct addresses or
/// names cannot grow memory without bound. When a map passes its capacity, what no longer matters goes first
/// (<paramref name="expired"/>), then the keys with the fewest events — a sprayed key has one or two; a client that is
/// being limited has many — until a quarter of the room is free again, so trimming is rare.
/// </summary>
public static class BoundedState
{
    /// <summary>
    /// Trims <paramref name="map"/> when it holds more than <paramref name="capacity"/> keys, by one caller at a time
    /// (<paramref name="gate"/>): the others go on without waiting.
    /// </summary>
    /// <remarks>Static callbacks with <paramref name="now"/> passed in: nothing is allocated on the common path.</remarks>
    public static void TrimIfFull<TKey, TState>(
        ConcurrentDictionary<TKey, TState> map,
        int capacity,
        Lock gate,
        DateTimeOffset now,
        Func<TState, DateTimeOffset, bool> expired,
        Func<TState, long> events
    )
        where TKey : notnull
    {
        if (map.Count <= capacity || !gate.TryEnter())
        {
            return;
        }

        try
        {
            Trim(map, capacity, state => expired(state, now), events);
        }
        finally
        {
            gate.Exit();
        }
    }

    /// <returns>How many keys were removed.</returns>
    public static int Trim<TKey, TState>(ConcurrentDictionary<TKey, TState> map, int capacity, Func<TState, bool> expired, Func<TState, long> events)
        where TKey : notnull
    {
        var removed = RemoveWhere(map, expired);
        var target = capacity * 3 / 4;
        for (long fewest = 1; map.Count > target && fewest <= long.MaxValue / 2; fewest *= 2)
        {
            var below = fewest;
            removed += RemoveWhere(map, state => events(state) <= below);
        }

        return removed;
    }

    private static int RemoveWhere<TKey, TState>(ConcurrentDictionary<TKey, TState> map, Func<TState, bool> condition)
        where TKey : notnull
    {
        var removed = 0;
        foreach (var entry in map)
        {
            if (condition(entry.Value) && map.TryRemove(entry))
            {
                removed++;
            }
        }

        return removed;
    }
}
