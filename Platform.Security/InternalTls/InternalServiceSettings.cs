using ServiceDefaults.Configuration;
using ServiceDefaults.Hosting;
using ServiceDefaults.Redis;
using ServiceDefaults.Telemetry;
using IPNetwork = System.Net.IPNetwork;

namespace Platform.Security.InternalTls;

/// <summary>
/// What every service behind the gateway reads the same way (docs/configuration.md, "Every service"): where it keeps
/// its data, how it is reached and stopped, where its metrics are, its Redis and the gateway's public origin.
/// </summary>
public sealed record InternalServiceSettings
{
    /// <summary>INTERNAL_TLS_*: null means plain HTTP, on loopback only.</summary>
    public required InternalTlsSettings? InternalTls { get; init; }

    /// <summary>DATA_DIR (default <c>./data</c>).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>SHUTDOWN_DRAIN_SECONDS: how long a stopping replica keeps serving while the gateway moves away.</summary>
    public required DrainSettings Drain { get; init; }

    /// <summary>METRICS_PORT: the plain-HTTP scrape port; unset, none.</summary>
    public required MetricsSettings Metrics { get; init; }

    /// <summary>REDIS_URL: what replicas share at once (revocations, live events); null keeps it in this process.</summary>
    public required RedisSettings? Redis { get; init; }

    /// <summary>PUBLIC_BASE_URL: the gateway's public origin; anything a service says about its address comes from here.</summary>
    public required Uri PublicBaseUrl { get; init; }

    /// <summary>TRUSTED_PROXIES: where believable X-Forwarded-* headers come from (the gateway; loopback by default).</summary>
    public required IReadOnlyList<IPNetwork> TrustedProxies { get; init; }

    /// <param name="defaultUrl">Where the service listens unless ASPNETCORE_URLS says otherwise.</param>
    /// <param name="publicBaseUrlHint">What the service uses PUBLIC_BASE_URL for, in the message when it is missing.</param>
    public static InternalServiceSettings Read(SettingsReader reader, string defaultUrl, string publicBaseUrlHint) =>
        new()
        {
            PublicBaseUrl = reader.PublicBaseUrl(publicBaseUrlHint),
            InternalTls = InternalTlsSettings.ReadForService(reader, defaultUrl),
            DataDirectory = reader.DataDirectory(),
            Redis = RedisSettings.Read(reader),
            Drain = DrainSettings.Read(reader),
            Metrics = MetricsSettings.Read(reader),
            TrustedProxies = reader.Networks("TRUSTED_PROXIES", ["127.0.0.1", "::1"]),
        };
}
