using ServiceDefaults.Configuration;

namespace Platform.Storage.Audit;

/// <summary>AUDIT_RETENTION_DAYS: audit entries older than this are deleted (0 keeps them all).</summary>
public sealed record AuditSettings(int RetentionDays)
{
    public static AuditSettings Read(SettingsReader reader) => new(reader.Number("AUDIT_RETENTION_DAYS", 90, 0, 36_500));
}
