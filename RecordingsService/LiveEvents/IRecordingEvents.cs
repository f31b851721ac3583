using RecordingsService.Recordings;

namespace RecordingsService.LiveEvents;

/// <summary>
/// Where <c>recording.updated</c> events go. In process now (this replica's WebSocket clients); with several replicas
/// a Redis pub/sub implementation hands each event to every replica's hub.
/// </summary>
public interface IRecordingEvents
{
    void Publish(Recording recording);
}

internal sealed class InProcessRecordingEvents(LiveEventHub hub) : IRecordingEvents
{
    public void Publish(Recording recording) => hub.Broadcast(recording);
}
