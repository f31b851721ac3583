using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Tls;

/// <summary>
/// The served certificate as part of readiness: Unhealthy outside its validity (every client would refuse the
/// handshake), Degraded (still 200) in its last 14 days, so a renewal that did not happen shows before it bites.
/// </summary>
internal sealed class CertificateHealthCheck(CertificateStore certificates, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan RenewalWarning = TimeSpan.FromDays(14);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var until = string.Create(CultureInfo.InvariantCulture, $"valid until {certificates.NotAfter:yyyy-MM-dd HH:mm} UTC");
        var result =
            now > certificates.NotAfter ? HealthCheckResult.Unhealthy("expired: " + until)
            : now < certificates.NotBefore
                ? HealthCheckResult.Unhealthy(
                    string.Create(CultureInfo.InvariantCulture, $"not valid before {certificates.NotBefore:yyyy-MM-dd HH:mm} UTC")
                )
            : certificates.NotAfter - now < RenewalWarning ? HealthCheckResult.Degraded("expires soon: " + until)
            : HealthCheckResult.Healthy(until);
        return Task.FromResult(result);
    }
}
