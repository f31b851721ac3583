namespace AuthService.Audit;

/// <summary>The sign-in and account audit. SQLite now; PostgreSQL implements the same for several machines.</summary>
public interface IAuthAuditStore
{
    Task WriteAsync(string action, string? actor, string? target, string? clientIp, string outcome, string? detail = null, CancellationToken cancellationToken = default);

    /// <summary>Newest first; <paramref name="before"/> is the id the previous page ended at.</summary>
    Task<IReadOnlyList<AuthAuditEvent>> ListAsync(int limit, long? before, CancellationToken cancellationToken = default);
}
