using Platform.Storage;
using Platform.Storage.Audit;
using RecordingsService.Audit;
using ServiceDefaults.Alerts;
using ServiceDefaults.Networking;

namespace RecordingsService.Webhooks;

/// <summary>
/// Refused callbacks are counted, not written one by one: every refusal counts in the metric at once, and once a
/// minute each (source, reason) pair of the minute becomes one audit entry ("37 refused: wrong-signature"), all written
/// in one transaction, and a warning (for the 20 largest; one line sums up the rest). So a flood of junk callbacks
/// costs no durable write each and never competes with real ones for the database's single writer. At most
/// <see cref="Capacity"/> pairs are kept per minute; beyond that the rest are counted under the source "(many sources)".
/// A minute with <see cref="BurstThreshold"/> or more refused (403) callbacks is a burst: one
/// <c>callback-alert</c> entry and one alert (metric, alert webhook) naming its largest sources.
/// </summary>
public sealed partial class RefusedCallbacks(
    IAuditLog audit,
    WebhookMetrics metrics,
    AlertSender alerts,
    TimeProvider time,
    ILogger<RefusedCallbacks> logger
) : MinuteAudit(time)
{
    public const int Capacity = 10_000;

    /// <summary>Refused callbacks in one minute that make an alert: Twilio's own never are refused.</summary>
    public const int BurstThreshold = 10;

    private readonly Lock _gate = new();
    private Dictionary<Key, long> _pending = [];

    /// <param name="outcome"><c>refused</c> (403: not signed by Twilio, or another account) or <c>invalid</c> (400: signed, fields invalid).</param>
    public void Record(string? clientIp, string outcome, string reason)
    {
        if (outcome == "refused")
        {
            metrics.AuthenticationFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }

        var key = new Key(ClientKey.For(clientIp), outcome, reason);
        lock (_gate)
        {
            if (!_pending.ContainsKey(key) && _pending.Count >= Capacity)
            {
                key = key with { Source = ManySources };
            }

            _pending[key] = _pending.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>Writes what was counted since the last flush (the background loop does this every minute).</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        Dictionary<Key, long> batch;
        lock (_gate)
        {
            batch = _pending;
            _pending = [];
        }

        var until = Time.GetUtcNow();
        var entries = batch.OrderByDescending(entry => entry.Value).ToList();
        // One transaction (one commit) for the whole minute, however many sources it saw.
        var refused = entries.Where(e => e.Key.Outcome == "refused").ToList();
        var burst =
            refused.Sum(e => e.Value) >= BurstThreshold
                ? $"{refused.Sum(e => e.Value)} refused recording callbacks in the minute to {until:u}, from "
                    + string.Join(", ", refused.GroupBy(e => e.Key.Source).Take(5).Select(g => $"{g.Key} ({g.Sum(e => e.Value)})"))
                : null;
        try
        {
            await audit.WriteAllAsync(
                [
                    .. entries.Select(e => new AuditEntry(
                        RecordingAuditActions.WebhookRefused,
                        null,
                        null,
                        e.Key.Source,
                        e.Key.Outcome,
                        $"{e.Value} {e.Key.Outcome}: {e.Key.Reason}"
                    )),
                    .. burst is null ? [] : new[] { new AuditEntry(RecordingAuditActions.CallbackAlert, null, null, null, "alert", burst) },
                ],
                cancellationToken
            );
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            // The database is down: the warnings below still say it, and the service goes on.
            LogAuditUnavailable(entries.Count, ex.Message);
        }

        if (burst is not null)
        {
            alerts.Raise(
                "refused-callbacks",
                "Call recordings: " + burst + ". Someone may be sending forged callbacks, or the Twilio auth token changed."
            );
        }

        foreach (var (key, count) in entries.Take(20))
        {
            LogRefused(key.Source, count, key.Outcome, key.Reason, until);
        }

        if (entries.Count > 20)
        {
            LogMoreSources(entries.Count - 20, entries.Skip(20).Sum(e => e.Value), until);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "The refused-callback audit for {Sources} source(s) could not be written (the database: {Reason}); logged only"
    )]
    private partial void LogAuditUnavailable(int sources, string reason);

    private readonly record struct Key(string Source, string Outcome, string Reason);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Recording callbacks from {Sources} more sources: {Count} refused or invalid in the minute to {Until:u} (see the audit)"
    )]
    private partial void LogMoreSources(int sources, long count, DateTimeOffset until);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Recording callbacks from {ClientIp}: {Count} {Outcome} ({Reason}) in the minute to {Until:u}"
    )]
    private partial void LogRefused(string clientIp, long count, string outcome, string reason, DateTimeOffset until);
}
