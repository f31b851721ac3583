using Platform.Security.InternalTls;
using Platform.Security.Tls;
using Platform.Security.Tokens;
using ServiceDefaults.Configuration;
using ServiceDefaults.Hosting;
using ServiceDefaults.Redis;
using ServiceDefaults.Telemetry;
using IPNetwork = System.Net.IPNetwork;

namespace Gateway.Configuration;

/// <summary>The gateway's configuration, read from the variables docs/configuration.md lists (or their appsettings.json keys).</summary>
public sealed record GatewaySettings
{
    public required int HttpsPort { get; init; }
    public required int HttpPort { get; init; }

    /// <summary>The HTTPS port that redirects name: PORT, unless a port mapping publishes the gateway elsewhere (e.g. 443).</summary>
    public required int HttpsPublicPort { get; init; }
    public required string CertificatePath { get; init; }
    public required string KeyPath { get; init; }

    /// <summary>TLS_TICKET_KEY_FILE: 80 random bytes, the TLS session ticket key every replica shares; null: per process, or Redis's.</summary>
    public required string? TicketKeyFile { get; init; }
    public required IReadOnlyList<string> AllowedOrigins { get; init; }

    /// <summary>CDN_BASE_URL: where pages load the dashboard's hashed scripts, styles and images from; null: this gateway.</summary>
    public required Uri? CdnBaseUrl { get; init; }

    /// <summary>PUBLIC_BASE_URL: the origin the API description names; by default the first of ALLOWED_ORIGINS.</summary>
    public required Uri PublicBaseUrl { get; init; }

    /// <summary>INTERNAL_TLS_*: the certificate the gateway presents to the services; null means plain HTTP on loopback.</summary>
    public required InternalTlsSettings? InternalTls { get; init; }

    public required IReadOnlyList<Uri> AuthServiceUrls { get; init; }
    public required IReadOnlyList<Uri> RecordingsServiceUrls { get; init; }
    public required IReadOnlyList<IPNetwork> TrustedProxies { get; init; }
    public required TimeSpan HealthCheckInterval { get; init; }

    /// <summary>JWKS_URL, REVOCATION_FEED_URL, REVOCATION_POLL_SECONDS: read as every verifier reads them.</summary>
    public required VerifierSettings Verifier { get; init; }

    /// <summary>REDIS_URL: rate limits shared by every gateway (and revocations pushed); null keeps them in this process.</summary>
    public required RedisSettings? Redis { get; init; }

    public required TimeSpan RateLimitWindow { get; init; }
    public required int RateLimitMax { get; init; }
    public required int LoginRateLimitMax { get; init; }

    /// <summary>TWILIO_WEBHOOK_ALLOWED_IPS: where Twilio callbacks may come from; empty allows every address (the signature is the check).</summary>
    public required IReadOnlyList<IPNetwork> WebhookAllowedSources { get; init; }

    /// <summary>Twilio callbacks per client IP per minute: generous, since refusing them loses recordings.</summary>
    public required int WebhookRateLimitMax { get; init; }

    /// <summary>Development: localhost origins are allowed cross-origin besides ALLOWED_ORIGINS.</summary>
    public required bool AllowLocalhostOrigins { get; init; }

    /// <summary>Production: HSTS on HTTPS responses.</summary>
    public required bool SendHsts { get; init; }

    /// <summary>SHUTDOWN_DRAIN_SECONDS: how long a stopping gateway keeps serving while its balancer moves away.</summary>
    public required DrainSettings Drain { get; init; }

    /// <summary>METRICS_PORT: the plain-HTTP scrape port, never forwarded; null: none.</summary>
    public required int? MetricsPort { get; init; }

    public static GatewaySettings Read(SettingsReader reader)
    {
        var devCertificates = Path.GetFullPath(Path.Combine(reader.Environment.ContentRootPath, "..", "certs", "dev"));
        const string certificateHint = "PEM certificate chain; for a local run, certs/generate-dev-cert.sh creates one";
        var certificate = reader.ExistingFile(
            "TLS_CERT_PATH",
            Path.Combine(devCertificates, "localhost.crt"),
            requiredInProduction: true,
            certificateHint
        );
        var key = reader.ExistingFile(
            "TLS_KEY_PATH",
            Path.Combine(devCertificates, "localhost.key"),
            requiredInProduction: true,
            "PEM private key of TLS_CERT_PATH"
        );
        if (certificate is not null && key is not null && PemCertificates.TryLoad(certificate, key, out var problem) is null)
        {
            reader.AddProblem($"TLS_CERT_PATH and TLS_KEY_PATH do not form a usable certificate: {problem}");
        }

        var httpsPort = reader.Number("PORT", 4000, 0, 65535);
        var internalTls = InternalTlsSettings.Read(reader);
        var authServiceUrls = reader.Urls("AUTH_SERVICE_URLS", ["http://127.0.0.1:5001"]);
        var recordingsServiceUrls = reader.Urls("RECORDINGS_SERVICE_URLS", ["http://127.0.0.1:5002"]);
        foreach (var (name, urls) in new[] { ("AUTH_SERVICE_URLS", authServiceUrls), ("RECORDINGS_SERVICE_URLS", recordingsServiceUrls) })
        {
            foreach (var url in urls)
            {
                InternalTlsSettings.CheckServiceUrl(reader, internalTls, name, url);
            }
        }

        var allowedOrigins = reader.Origins("ALLOWED_ORIGINS", requiredInProduction: true);
        // The services need PUBLIC_BASE_URL; the gateway only names it in its API description, so the dashboard's origin
        // (the first allowed origin) serves when it is not set.
        // (Without either, ALLOWED_ORIGINS is the problem named.)
        var publicBaseUrl =
            reader.Raw("PUBLIC_BASE_URL") is not null ? reader.PublicBaseUrl("the gateway's public origin, e.g. https://calls.example.com")
            : allowedOrigins.Count > 0 ? new Uri(allowedOrigins[0])
            : new Uri($"https://localhost:{httpsPort}");

        var httpPort = reader.Number("HTTP_PORT", 4080, 0, 65535);
        var metricsPort = MetricsSettings.Read(reader).Port;
        if (metricsPort is not null && (metricsPort == httpsPort || metricsPort == httpPort))
        {
            reader.AddProblem(
                $"METRICS_PORT ({metricsPort}) must differ from PORT ({httpsPort}) and HTTP_PORT ({httpPort}): the scrape port serves nothing else."
            );
        }

        return new GatewaySettings
        {
            HttpsPort = httpsPort,
            HttpsPublicPort = reader.Number("HTTPS_PUBLIC_PORT", httpsPort, 0, 65535),
            HttpPort = httpPort,
            MetricsPort = metricsPort,
            Drain = DrainSettings.Read(reader),
            CertificatePath = certificate ?? "",
            KeyPath = key ?? "",
            TicketKeyFile = ReadTicketKeyFile(reader),
            AllowedOrigins = allowedOrigins,
            PublicBaseUrl = publicBaseUrl,
            CdnBaseUrl = ReadCdnBaseUrl(reader),
            InternalTls = internalTls,
            AuthServiceUrls = authServiceUrls,
            RecordingsServiceUrls = recordingsServiceUrls,
            TrustedProxies = reader.Networks("TRUSTED_PROXIES"),
            HealthCheckInterval = TimeSpan.FromSeconds(reader.Number("HEALTH_CHECK_INTERVAL_SECONDS", 10, 1, 3600)),
            Verifier = VerifierSettings.Read(reader, internalTls),
            Redis = RedisSettings.Read(reader),
            RateLimitWindow = TimeSpan.FromSeconds(reader.Number("RATE_LIMIT_WINDOW_SECONDS", 900, 1, 86_400)),
            RateLimitMax = reader.Number("RATE_LIMIT_MAX", 100, 1, int.MaxValue),
            LoginRateLimitMax = reader.Number("LOGIN_RATE_LIMIT_MAX", 5, 1, int.MaxValue),
            WebhookRateLimitMax = reader.Number("WEBHOOK_RATE_LIMIT_MAX", 3000, 1, int.MaxValue),
            WebhookAllowedSources = reader.Networks("TWILIO_WEBHOOK_ALLOWED_IPS"),
            AllowLocalhostOrigins = !reader.IsProduction,
            SendHsts = reader.IsProduction,
        };
    }

    private static string? ReadTicketKeyFile(SettingsReader reader)
    {
        var path = reader.ExistingFile("TLS_TICKET_KEY_FILE", null, requiredInProduction: false, "80 random bytes: openssl rand 80 > FILE");
        if (path is null)
        {
            return null;
        }

        var length = new FileInfo(path).Length;
        if (length != Tls.SessionTickets.OpenSslTicketKeys.KeyLength)
        {
            reader.AddProblem($"TLS_TICKET_KEY_FILE must hold exactly 80 random bytes (openssl rand 80 > FILE); {path} holds {length}.");
            return null;
        }

        return Path.GetFullPath(path);
    }

    private static Uri? ReadCdnBaseUrl(SettingsReader reader)
    {
        var value = reader.Raw("CDN_BASE_URL");
        if (value is null)
        {
            return null;
        }

        if (
            Uri.TryCreate(value, UriKind.Absolute, out var url)
            && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && !reader.IsProduction))
            && string.IsNullOrEmpty(url.Query)
            && string.IsNullOrEmpty(url.Fragment)
            && string.IsNullOrEmpty(url.UserInfo)
        )
        {
            return url;
        }

        reader.AddProblem(
            "CDN_BASE_URL must be an absolute https URL without query, such as https://cdn.example.com (http is allowed in Development)."
        );
        return null;
    }
}
