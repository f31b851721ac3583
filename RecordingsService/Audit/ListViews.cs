using Platform.Storage;
using Platform.Storage.Audit;
using ServiceDefaults.Networking;

namespace RecordingsService.Audit;

/// <summary>
/// Listing recordings is audited per user, address and minute, not per request: a dashboard lists on every change and
/// every page, and one row per request (282,000 in a four-minute soak) buried the audit's readers and its disk. Once
/// a minute each (user, address) of the minute becomes one entry: action <c>list</c>, detail "12 lists, 240
/// recordings shown in the minute to …". Plays, downloads, deletes and single views stay one entry each. At most
/// <see cref="Capacity"/> pairs are kept per minute; beyond that the rest count under the address "(many sources)".
/// </summary>
public sealed partial class ListViews(IAuditLog audit, TimeProvider time, ILogger<ListViews> logger) : MinuteAudit(time)
{
    public const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private Dictionary<Key, (long Lists, long Shown)> _pending = [];

    public void Record(string? user, string? clientIp, int shown)
    {
        var key = new Key(user ?? "(unnamed)", ClientKey.For(clientIp));
        lock (_gate)
        {
            if (!_pending.ContainsKey(key) && _pending.Count >= Capacity)
            {
                key = key with { Source = ManySources };
            }

            var (lists, total) = _pending.GetValueOrDefault(key);
            _pending[key] = (lists + 1, total + shown);
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        Dictionary<Key, (long Lists, long Shown)> batch;
        lock (_gate)
        {
            batch = _pending;
            _pending = [];
        }

        if (batch.Count == 0)
        {
            return;
        }

        var until = Time.GetUtcNow();
        var entries = batch
            .Select(e => new AuditEntry(
                RecordingAuditActions.List,
                e.Key.User,
                null,
                e.Key.Source,
                "success",
                $"{e.Value.Lists} {(e.Value.Lists == 1 ? "list" : "lists")}, {e.Value.Shown} recordings shown in the minute to {until.UtcDateTime:u}"
            ))
            .ToList();
        try
        {
            await audit.WriteAllAsync(entries, cancellationToken);
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            LogAuditUnavailable(entries.Count, ex.Message);
        }
    }

    private readonly record struct Key(string User, string Source);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "The list audit for {Entries} user(s) could not be written (the database: {Reason}); those list views are not in the audit"
    )]
    private partial void LogAuditUnavailable(int entries, string reason);
}
