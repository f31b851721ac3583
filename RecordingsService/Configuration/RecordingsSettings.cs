using ServiceDefaults.Configuration;
using IPNetwork = System.Net.IPNetwork;

namespace RecordingsService.Configuration;

/// <summary>The RecordingsService's configuration (CONTRACT.md names).</summary>
public sealed record RecordingsSettings
{
    public required string DataDirectory { get; init; }

    /// <summary>Where requests may come from with a believable X-Forwarded-For: the gateway (loopback by default).</summary>
    public required IReadOnlyList<IPNetwork> TrustedProxies { get; init; }

    public static RecordingsSettings Read(SettingsReader reader) => new()
    {
        DataDirectory = reader.DataDirectory(),
        TrustedProxies = reader.Networks("TRUSTED_PROXIES", ["127.0.0.1", "::1"]),
    };
}
