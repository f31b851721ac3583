namespace Platform.Storage.Audit;

/// <summary>One audited event: who did what to what, from where, and how it ended.</summary>
public sealed record AuditEvent(
    long Id,
    DateTimeOffset At,
    string Action,
    string? Actor,
    string? Target,
    string? ClientIp,
    string Outcome,
    string? Detail
);

/// <summary>An entry to write: who did what to what, from where, and how it ended.</summary>
public sealed record AuditEntry(string Action, string? Actor, string? Target, string? ClientIp, string Outcome, string? Detail);

/// <summary>A page of the audit, newest first, and the cursor for the next (older) page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEvent> Items, string? NextCursor);

/// <summary>An append-only audit trail, kept for AUDIT_RETENTION_DAYS, in the service's database (SQLite or PostgreSQL).</summary>
public interface IAuditLog
{
    Task WriteAsync(
        string action,
        string? actor,
        string? target,
        string? clientIp,
        string outcome,
        string? detail = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>Several entries in one transaction (one commit), for writers that aggregate.</summary>
    Task WriteAllAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>Newest first; <paramref name="before"/> is the id the previous page ended at; only <paramref name="action"/> when given.</summary>
    Task<IReadOnlyList<AuditEvent>> ListAsync(int limit, long? before, string? action = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many entries by <paramref name="actor"/> with one of <paramref name="actions"/> were written since
    /// <paramref name="since"/>: in the shared database, so every replica counts the same.
    /// </summary>
    Task<long> CountAsync(string actor, IReadOnlyList<string> actions, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <returns>How many entries older than <paramref name="cutoff"/> were deleted.</returns>
    Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}
