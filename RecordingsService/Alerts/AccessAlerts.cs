using Platform.Storage;
using Platform.Storage.Audit;
using RecordingsService.Audit;
using ServiceDefaults.Alerts;

namespace RecordingsService.Alerts;

/// <summary>
/// "Watch for unusual recording access patterns": after each play, download or delete, the user's such actions in the
/// last ACCESS_ALERT_WINDOW_MINUTES are counted in the audit (the shared database: every replica counts the same);
/// above ACCESS_ALERT_THRESHOLD, one <c>access-alert</c> audit entry per user and window, a warning, the metric and the
/// alert webhook. Nothing here can fail the user's request: a database fault only skips the check, loudly.
/// </summary>
public sealed partial class AccessAlerts(
    IAuditLog audit,
    AlertSender alerts,
    AccessAlertSettings settings,
    TimeProvider time,
    ILogger<AccessAlerts> logger
)
{
    private static readonly string[] Watched = [RecordingAuditActions.Play, RecordingAuditActions.Download, RecordingAuditActions.Delete];
    private static readonly string[] AlertActions = [RecordingAuditActions.AccessAlert];

    public async Task CheckAsync(string? user, string? clientIp)
    {
        if (user is null)
        {
            return;
        }

        var window = settings.Window;
        try
        {
            var since = time.GetUtcNow() - window;
            var count = await audit.CountAsync(user, Watched, since, CancellationToken.None);
            if (count <= settings.Threshold || await audit.CountAsync(user, AlertActions, since, CancellationToken.None) > 0)
            {
                return;
            }

            var detail = $"{count} plays, downloads or deletes within {window.TotalMinutes:0} minutes (alert above {settings.Threshold})";
            await audit.WriteAsync(RecordingAuditActions.AccessAlert, user, user, clientIp, "alert", detail, CancellationToken.None);
            LogUnusualAccess(user, count, window.TotalMinutes, clientIp);
            alerts.Raise("access", $"Call recordings: unusual access by {user}: {detail}, last from {clientIp ?? "an unknown address"}.");
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            LogNotChecked(user, ex.Message);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Unusual recording access by {User}: {Count} plays, downloads or deletes within {Minutes} minutes, last from {ClientIp}"
    )]
    private partial void LogUnusualAccess(string user, long count, double minutes, string? clientIp);

    [LoggerMessage(Level = LogLevel.Error, Message = "Access by {User} could not be checked for unusual patterns (the database: {Reason})")]
    private partial void LogNotChecked(string user, string reason);
}
