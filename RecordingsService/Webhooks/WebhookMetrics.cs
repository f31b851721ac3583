using System.Diagnostics.Metrics;
using ServiceDefaults.Telemetry;

namespace RecordingsService.Webhooks;

/// <summary>Counts of callbacks, for the "webhook authentication failures" alert and throughput.</summary>
public sealed class WebhookMetrics
{
    public const string MeterName = TelemetryExtensions.MeterPrefix + "Recordings";

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        AuthenticationFailures = meter.CreateCounter<long>(
            "recordings.webhook.auth_failures",
            description: "Callbacks refused for a missing or wrong signature or a foreign account"
        );
        Received = meter.CreateCounter<long>("recordings.webhook.received", description: "Callbacks by outcome");
    }

    public Counter<long> AuthenticationFailures { get; }
    public Counter<long> Received { get; }
}
