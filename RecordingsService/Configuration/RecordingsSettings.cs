using Platform.Security.InternalTls;
using Platform.Security.Tokens;
using Platform.Storage.Audit;
using Platform.Storage.Database;
using RecordingsService.Alerts;
using ServiceDefaults.Alerts;
using ServiceDefaults.Configuration;

namespace RecordingsService.Configuration;

/// <summary>The RecordingsService's configuration (docs/configuration.md lists the variables).</summary>
public sealed record RecordingsSettings
{
    /// <summary>Where the service listens unless ASPNETCORE_URLS says otherwise: loopback, plain HTTP.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5002";

    /// <summary>What every service behind the gateway reads (DATA_DIR, INTERNAL_TLS_*, REDIS_URL, PUBLIC_BASE_URL…).</summary>
    public required InternalServiceSettings Service { get; init; }

    /// <summary>DATABASE_URL: PostgreSQL when set, else SQLite in DATA_DIR.</summary>
    public required DatabaseSettings Database { get; init; }

    /// <summary>TWILIO_*: the account, its tokens and its REST API.</summary>
    public required TwilioSettings Twilio { get; init; }

    /// <summary>ACCESS_ALERT_THRESHOLD and ACCESS_ALERT_WINDOW_MINUTES.</summary>
    public required AccessAlertSettings AccessAlerts { get; init; }

    /// <summary>ALERT_WEBHOOK_URL.</summary>
    public required AlertSettings Alerts { get; init; }

    /// <summary>AUDIT_RETENTION_DAYS.</summary>
    public required AuditSettings Audit { get; init; }

    /// <summary>RECORDING_RETENTION_DAYS: 0 keeps recordings forever.</summary>
    public required int RetentionDays { get; init; }

    /// <summary>JWKS_URL, REVOCATION_FEED_URL, REVOCATION_POLL_SECONDS: read as every verifier reads them.</summary>
    public required VerifierSettings Verifier { get; init; }

    public static RecordingsSettings Read(SettingsReader reader)
    {
        var service = InternalServiceSettings.Read(reader, DefaultUrl, "the public origin Twilio calls, e.g. https://calls.example.com");
        return new RecordingsSettings
        {
            Service = service,
            Database = DatabaseSettings.Read(reader, service.DataDirectory),
            Twilio = TwilioSettings.Read(reader, service.PublicBaseUrl),
            AccessAlerts = AccessAlertSettings.Read(reader),
            Alerts = AlertSettings.Read(reader),
            Audit = AuditSettings.Read(reader),
            RetentionDays = reader.Number("RECORDING_RETENTION_DAYS", 0, 0, 36_500),
            Verifier = VerifierSettings.Read(reader, service.InternalTls),
        };
    }
}
