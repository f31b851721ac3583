using RecordingsService.LiveEvents;
using RecordingsService.Twilio;
using Platform.Storage.Audit;

namespace RecordingsService.Recordings;

/// <summary>Who asked for a deletion, for its audit entry: an admin through the API, or the retention job.</summary>
public sealed record Deletion(string AuditAction, string? Actor, string? ClientIp, string? Reason);

/// <summary>
/// The one way a stored recording changes, whatever asked for it (a Twilio callback, a sync from Twilio's list, an
/// admin's delete, retention): written durably through <see cref="RecordingWriter"/> (group commit), and only after
/// that commit published to live clients; deletions are then audited. Replays and out-of-order statuses change
/// nothing and publish nothing.
/// </summary>
public sealed class RecordingChanges(RecordingWriter writer, ITwilioRecordings twilio, IRecordingEvents events, IAuditLog audit, TimeProvider time)
{
    /// <returns>The recording as now stored, or null when this report changed nothing.</returns>
    public async Task<Recording?> ApplyAsync(Recording reported, CancellationToken cancellationToken)
    {
        var changed = await writer.WriteAsync(reported, cancellationToken);
        if (changed is not null)
        {
            events.Publish(changed);
        }

        return changed;
    }

    /// <summary>Many reports at once (a sync): they are committed together, then each change is published.</summary>
    /// <returns>How many changed a stored recording.</returns>
    public async Task<int> ApplyAsync(IReadOnlyList<Recording> reported, CancellationToken cancellationToken)
    {
        var results = await writer.WriteAllAsync(reported, cancellationToken);
        foreach (var changed in results.OfType<Recording>())
        {
            events.Publish(changed);
        }

        return results.Count(r => r is not null);
    }

    /// <summary>
    /// Deletes the recording at Twilio and, once Twilio has it gone (or never had it), marks it deleted here. When
    /// Twilio refuses or cannot be reached nothing changes here, and the failure is audited.
    /// </summary>
    public async Task<TwilioDeleteOutcome> DeleteAsync(Recording recording, Deletion by, CancellationToken cancellationToken)
    {
        var outcome = await twilio.DeleteAsync(recording.Sid, cancellationToken);
        if (outcome == TwilioDeleteOutcome.Failed)
        {
            await audit.WriteAsync(by.AuditAction, by.Actor, recording.Sid, by.ClientIp, "failed", "Twilio refused or could not be reached", cancellationToken);
            return outcome;
        }

        await ApplyAsync(recording with { Status = RecordingStatus.Deleted, UpdatedAt = time.GetUtcNow() }, cancellationToken);
        var detail = outcome == TwilioDeleteOutcome.NotFound ? Join("already gone at Twilio", by.Reason) : by.Reason;
        await audit.WriteAsync(by.AuditAction, by.Actor, recording.Sid, by.ClientIp, "success", detail, cancellationToken);
        return outcome;
    }

    private static string Join(string first, string? second) => second is null ? first : $"{first}; {second}";
}
