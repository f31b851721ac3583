using System.Text.RegularExpressions;
using Platform.Security.InternalTls;
using Platform.Security.Tokens;
using Platform.Storage.Audit;
using Platform.Storage.Database;
using ServiceDefaults.Configuration;
using ServiceDefaults.Hosting;
using ServiceDefaults.Redis;
using ServiceDefaults.Telemetry;
using IPNetwork = System.Net.IPNetwork;

namespace RecordingsService.Configuration;

/// <summary>The RecordingsService's configuration (docs/configuration.md lists the variables).</summary>
public sealed partial record RecordingsSettings : IInternalServiceSettings
{
    /// <summary>Development stand-in account, so a local run starts without Twilio credentials.</summary>
    public const string DevelopmentAccountSid = "AC00000000000000000000000000000000";

    /// <summary>Where the service listens unless ASPNETCORE_URLS says otherwise: loopback, plain HTTP.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5002";

    /// <summary>INTERNAL_TLS_*: null means plain HTTP, on loopback only.</summary>
    public required InternalTlsSettings? InternalTls { get; init; }

    public required string DataDirectory { get; init; }

    /// <summary>SHUTDOWN_DRAIN_SECONDS: how long a stopping replica keeps serving while the gateway moves away.</summary>
    public required DrainSettings Drain { get; init; }

    /// <summary>METRICS_PORT: the plain-HTTP scrape port; unset, none.</summary>
    public required MetricsSettings Metrics { get; init; }

    /// <summary>DATABASE_URL: PostgreSQL when set, else SQLite in DATA_DIR.</summary>
    public required DatabaseSettings Database { get; init; }

    /// <summary>REDIS_URL: live events across replicas and revocations pushed; null keeps both in this process.</summary>
    public required RedisSettings? Redis { get; init; }

    /// <summary>Where requests may come from with believable X-Forwarded-* headers: the gateway (loopback by default).</summary>
    public required IReadOnlyList<IPNetwork> TrustedProxies { get; init; }

    public required string AccountSid { get; init; }
    public required string AuthToken { get; init; }

    /// <summary>
    /// TWILIO_AUTH_TOKEN_SECONDARY: while a token change is under way, callbacks signed with this one are accepted
    /// too (REST calls keep using <see cref="AuthToken"/>). Null when unset.
    /// </summary>
    public required string? AuthTokenSecondary { get; init; }

    /// <summary>The public origin Twilio calls; signatures are checked against it, never against the Host header.</summary>
    public required Uri PublicBaseUrl { get; init; }

    public required Uri TwilioApiBaseUrl { get; init; }

    /// <summary>TWILIO_TIMEOUT_SECONDS: how long a call to Twilio may take to answer (for audio: until its headers).</summary>
    public required TimeSpan TwilioTimeout { get; init; }

    /// <summary>ACCESS_ALERT_THRESHOLD: more plays, downloads and deletes than this by one user within the window alert.</summary>
    public int AccessAlertThreshold { get; init; } = 50;

    /// <summary>ACCESS_ALERT_WINDOW_MINUTES.</summary>
    public TimeSpan AccessAlertWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>ALERT_WEBHOOK_URL.</summary>
    public ServiceDefaults.Alerts.AlertSettings Alerts { get; init; } = new((Uri?)null);

    /// <summary>AUDIT_RETENTION_DAYS.</summary>
    public required AuditSettings Audit { get; init; }

    /// <summary>0 keeps recordings forever.</summary>
    public required int RetentionDays { get; init; }

    /// <summary>JWKS_URL, REVOCATION_FEED_URL, REVOCATION_POLL_SECONDS: read as every verifier reads them.</summary>
    public required VerifierSettings Verifier { get; init; }

    public static RecordingsSettings Read(SettingsReader reader)
    {
        var accountSid = reader.RequiredInProduction("TWILIO_ACCOUNT_SID", DevelopmentAccountSid, "the Twilio account whose recordings these are");
        if (accountSid is not null && !AccountSidPattern().IsMatch(accountSid))
        {
            reader.AddProblem("TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal digits.");
        }

        var authToken = reader.RequiredInProduction(
            "TWILIO_AUTH_TOKEN",
            "development-auth-token",
            "the account's auth token; it signs Twilio's callbacks"
        );
        var publicBaseUrl = reader.PublicBaseUrl("the public origin Twilio calls, e.g. https://calls.example.com");
        var internalTls = InternalTlsSettings.ReadForService(reader, DefaultUrl);
        var dataDirectory = reader.DataDirectory();

        return new RecordingsSettings
        {
            DataDirectory = dataDirectory,
            Database = DatabaseSettings.Read(reader, dataDirectory),
            Redis = RedisSettings.Read(reader),
            Drain = DrainSettings.Read(reader),
            Metrics = MetricsSettings.Read(reader),
            InternalTls = internalTls,
            Audit = AuditSettings.Read(reader),
            TrustedProxies = reader.Networks("TRUSTED_PROXIES", ["127.0.0.1", "::1"]),
            AccountSid = accountSid ?? "",
            AuthToken = authToken ?? "",
            AuthTokenSecondary = ReadSecondaryToken(reader, authToken),
            PublicBaseUrl = publicBaseUrl,
            TwilioApiBaseUrl = reader.Url("TWILIO_API_BASE_URL", Twilio.TwilioApiBaseHandler.TwilioOrigin),
            TwilioTimeout = TimeSpan.FromSeconds(reader.Number("TWILIO_TIMEOUT_SECONDS", 10, 1, 120)),
            AccessAlertThreshold = reader.Number("ACCESS_ALERT_THRESHOLD", 50, 1, 1_000_000),
            AccessAlertWindow = TimeSpan.FromMinutes(reader.Number("ACCESS_ALERT_WINDOW_MINUTES", 10, 1, 24 * 60)),
            Alerts = ServiceDefaults.Alerts.AlertSettings.Read(reader),
            RetentionDays = reader.Number("RECORDING_RETENTION_DAYS", 0, 0, 36_500),
            Verifier = VerifierSettings.Read(reader, internalTls),
        };
    }

    private static string? ReadSecondaryToken(SettingsReader reader, string? primary)
    {
        var secondary = reader.Raw("TWILIO_AUTH_TOKEN_SECONDARY");
        if (secondary is not null && secondary == primary)
        {
            reader.AddProblem(
                "TWILIO_AUTH_TOKEN_SECONDARY is the same as TWILIO_AUTH_TOKEN: set it to the other token during a change, or unset it."
            );
        }

        return secondary;
    }

    [GeneratedRegex(@"\AAC[0-9a-fA-F]{32}\z")]
    private static partial Regex AccountSidPattern();
}
