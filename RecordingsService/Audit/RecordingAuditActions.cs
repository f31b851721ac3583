namespace RecordingsService.Audit;

/// <summary>Audited actions on recordings (stable names: operators search the audit for them).</summary>
public static class RecordingAuditActions
{
    public const string List = "list";
    public const string View = "view";
    public const string Play = "play";
    public const string Download = "download";
    public const string Delete = "delete";

    /// <summary>An admin asked for a deletion: written before Twilio is asked, so the intent is on record whatever follows.</summary>
    public const string DeleteRequested = "delete-requested";
    public const string Sync = "sync";
    public const string RetentionDelete = "retention-delete";
    public const string WebhookRefused = "webhook-refused";
    public const string WebhookSecondaryToken = "webhook-secondary-token";
    public const string AccessAlert = "access-alert";
    public const string CallbackAlert = "callback-alert";
}
