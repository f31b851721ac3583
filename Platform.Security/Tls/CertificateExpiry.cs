using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ServiceDefaults.Telemetry;

namespace Platform.Security.Tls;

/// <summary>
/// <c>tls.certificate.not_after</c> (Unix seconds; in Prometheus <c>tls_certificate_not_after_seconds</c>): when each
/// certificate this process presents expires, by <c>certificate</c> (<c>public</c>, the gateway's; <c>internal</c>,
/// the deployment CA's). Read when scraped, so a renewed certificate shows at the next scrape.
/// </summary>
public sealed class CertificateExpiry
{
    public const string MeterName = TelemetryExtensions.MeterPrefix + "Tls";

    private readonly ConcurrentDictionary<string, Func<DateTime>> _certificates = new(StringComparer.Ordinal);

    public CertificateExpiry(IMeterFactory meters) =>
        meters
            .Create(MeterName)
            .CreateObservableGauge("tls.certificate.not_after", Measure, unit: "s", description: "When the certificate expires (Unix time)");

    /// <summary>Reports <paramref name="notAfter"/> under <paramref name="certificate"/> from now on.</summary>
    public void Observe(string certificate, Func<DateTime> notAfter) => _certificates[certificate] = notAfter;

    private IEnumerable<Measurement<long>> Measure() =>
        _certificates.Select(entry => new Measurement<long>(
            new DateTimeOffset(entry.Value().ToUniversalTime(), TimeSpan.Zero).ToUnixTimeSeconds(),
            new KeyValuePair<string, object?>("certificate", entry.Key)
        ));
}
