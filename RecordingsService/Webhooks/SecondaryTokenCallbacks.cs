using Platform.Storage;
using Platform.Storage.Audit;
using RecordingsService.Audit;

namespace RecordingsService.Webhooks;

/// <summary>
/// Callbacks accepted with TWILIO_AUTH_TOKEN_SECONDARY, counted and written once a minute as one audit entry
/// ("412 callbacks signed with the secondary token") and an information line: during a token change the operator sees
/// Twilio switch to the new token, and when no entry appears any more the old one can go.
/// </summary>
public sealed partial class SecondaryTokenCallbacks(IAuditLog audit, TimeProvider time, ILogger<SecondaryTokenCallbacks> logger) : MinuteAudit(time)
{
    private long _count;

    public void Record() => Interlocked.Increment(ref _count);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        var count = Interlocked.Exchange(ref _count, 0);
        if (count == 0)
        {
            return;
        }

        var until = Time.GetUtcNow();
        LogSecondary(count, until);
        try
        {
            await audit.WriteAsync(
                RecordingAuditActions.WebhookSecondaryToken,
                null,
                null,
                null,
                "accepted",
                $"{count} callback(s) signed with TWILIO_AUTH_TOKEN_SECONDARY",
                cancellationToken
            );
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            LogAuditUnavailable(count, ex.Message);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "{Count} recording callback(s) signed with TWILIO_AUTH_TOKEN_SECONDARY in the minute to {Until:u}"
    )]
    private partial void LogSecondary(long count, DateTimeOffset until);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "The audit of {Count} callback(s) signed with the secondary token could not be written (the database: {Reason}); logged only"
    )]
    private partial void LogAuditUnavailable(long count, string reason);
}
