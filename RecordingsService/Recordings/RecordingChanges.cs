using Platform.Storage;
using Platform.Storage.Audit;
using RecordingsService.LiveEvents;
using RecordingsService.Twilio;

namespace RecordingsService.Recordings;

/// <summary>Who asked for a deletion, for its audit entry: an admin through the API, or the retention job.</summary>
public sealed record Deletion(string AuditAction, string? Actor, string? ClientIp, string? Reason);

/// <summary>
/// What a deletion did: at Twilio (deleted, already gone, or failed: then nothing changed anywhere), and whether the
/// "deleted" status is stored here yet (false while the database does not answer: <see cref="Deleted"/> is what to store).
/// </summary>
public sealed record DeletionResult(TwilioDeleteOutcome Twilio, bool RecordedHere, Recording Deleted);

/// <summary>
/// The one way a stored recording changes, whatever asked for it (a Twilio callback, a sync from Twilio's list, an
/// admin's delete, retention): written durably through <see cref="RecordingWriter"/> (group commit), and only after
/// that commit published to live clients; deletions are then audited. Replays and out-of-order statuses change
/// nothing and publish nothing.
/// </summary>
public sealed partial class RecordingChanges(
    RecordingWriter writer,
    ITwilioRecordings twilio,
    IRecordingEvents events,
    IAuditLog audit,
    TimeProvider time,
    ILogger<RecordingChanges> logger
)
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
    /// Deletes the recording at Twilio and, once Twilio has it gone (or never had it), marks it deleted here and audits
    /// it. When Twilio refuses or cannot be reached nothing changes here, and the failure is audited. Callers pass a token
    /// that a client going away does not cancel: once Twilio has been asked, the rest must happen. When the database
    /// does not answer after Twilio deleted, the result says so (not recorded here) and the audit entry is logged instead.
    /// </summary>
    public async Task<DeletionResult> DeleteAsync(Recording recording, Deletion by, CancellationToken cancellationToken)
    {
        var deleted = recording with { Status = RecordingStatus.Deleted, UpdatedAt = time.GetUtcNow() };
        var outcome = await twilio.DeleteAsync(recording.Sid, cancellationToken);
        if (outcome == TwilioDeleteOutcome.Failed)
        {
            await TryAuditAsync(by, recording.Sid, "failed", "Twilio refused or could not be reached", cancellationToken);
            return new DeletionResult(outcome, RecordedHere: false, deleted);
        }

        var detail = outcome == TwilioDeleteOutcome.NotFound ? Join("already gone at Twilio", by.Reason) : by.Reason;
        try
        {
            await ApplyAsync(deleted, cancellationToken);
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            LogNotRecorded(recording.Sid, ex.Message);
            await TryAuditAsync(by, recording.Sid, "success", Join("deleted at Twilio; not yet recorded here", detail), cancellationToken);
            return new DeletionResult(outcome, RecordedHere: false, deleted);
        }

        await TryAuditAsync(by, recording.Sid, "success", detail, cancellationToken);
        return new DeletionResult(outcome, RecordedHere: true, deleted);
    }

    // The deletion has happened: an audit entry that cannot be written now is logged, with everything it would hold.
    private async Task TryAuditAsync(Deletion by, string sid, string outcome, string? detail, CancellationToken cancellationToken)
    {
        try
        {
            await audit.WriteAsync(by.AuditAction, by.Actor, sid, by.ClientIp, outcome, detail, cancellationToken);
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            LogAuditUnwritten(by.AuditAction, by.Actor, sid, by.ClientIp, outcome, detail, ex.Message);
        }
    }

    private static string Join(string first, string? second) => second is null ? first : $"{first}; {second}";

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "Recording {RecordingSid} was deleted at Twilio, but the database did not take its new status ({Reason})"
    )]
    private partial void LogNotRecorded(string recordingSid, string reason);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "Audit entry not written (the database: {Reason}): {Action} by {Actor} of {Target} from {ClientIp}: {Outcome} ({Detail})"
    )]
    private partial void LogAuditUnwritten(
        string action,
        string? actor,
        string target,
        string? clientIp,
        string outcome,
        string? detail,
        string reason
    );
}
