using System.Collections.Concurrent;
using Platform.Storage.Audit;
using RecordingsService.Alerts;

namespace RecordingsService.Audio;

/// <summary>
/// Plays and downloads audited by what is served, not by how a request's <c>Range</c> is spelled: the first audio
/// response of a (user, recording, kind) writes an entry (and is counted by the unusual-access alerts); the seeks and
/// range requests of the same play within <see cref="Window"/> add nothing. An entry that could not be written is
/// written by the next response, and the response waiting for it fails rather than being served unaudited. One
/// replica's memory: a play whose requests reach two replicas is audited once on each.
/// </summary>
internal sealed class AudioAccessAudit(IAuditLog audit, AccessAlerts alerts, TimeProvider time)
{
    /// <summary>Responses for one play (a player's seeks, a browser's parallel range requests) come within this.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<(string User, string Sid, string Kind), Written> _recent = new();

    /// <summary>Returns once the access is in the audit (now or within the window).</summary>
    public async Task RecordAsync(string? user, string sid, string kind, string? clientIp, string format)
    {
        var now = time.GetUtcNow();
        var key = (user ?? "(unnamed)", sid, kind);
        // Not the request's token: a request cut short must not fail the others waiting for the same entry.
        var fresh = new Written(now, new Lazy<Task>(() => WriteAsync(user, sid, kind, clientIp, format)));
        var entry = _recent.AddOrUpdate(key, fresh, (_, existing) => now - existing.At < Window && !existing.Task.Value.IsFaulted ? existing : fresh);
        await entry.Task.Value;
        if (_recent.Count > PruneAbove)
        {
            Prune(now);
        }
    }

    private async Task WriteAsync(string? user, string sid, string kind, string? clientIp, string format)
    {
        await audit.WriteAsync(kind, user, sid, clientIp, "success", format, CancellationToken.None);
        await alerts.CheckAsync(user, clientIp);
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, written) in _recent)
        {
            if (now - written.At >= Window)
            {
                _recent.TryRemove(key, out _);
            }
        }
    }

    private sealed record Written(DateTimeOffset At, Lazy<Task> Task);
}
