using RecordingsService.Recordings;

namespace RecordingsService.LiveEvents;

/// <summary>What a dashboard receives: <c>{"type":"recording.updated","recording":{…}}</c>.</summary>
public sealed record RecordingEvent(string Type, Recording Recording)
{
    public const string Updated = "recording.updated";
}

/// <summary>
/// The first message on every connection: <c>{"type":"connected","at":…}</c>, the server's time, which the dashboard
/// keeps as its cursor until an event brings a later <c>updatedAt</c>; reconnecting with <c>?since=</c> that cursor
/// replays what changed meanwhile.
/// </summary>
public sealed record ConnectedEvent(string Type, DateTimeOffset At)
{
    public const string Connected = "connected";
}

/// <summary>
/// More changed than a replay sends (<see cref="LiveEventHub.ReplayLimit"/>): the dashboard reloads its list, and takes
/// <see cref="At"/> as its cursor. <c>{"type":"resync","at":…}</c>.
/// </summary>
public sealed record ResyncEvent(string Type, DateTimeOffset At)
{
    public const string Resync = "resync";
}
