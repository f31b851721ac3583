namespace AuthService.Audit;

/// <summary>One audited event: who did what to whom, from where, and how it ended.</summary>
public sealed record AuthAuditEvent(long Id, DateTimeOffset At, string Action, string? Actor, string? Target, string? ClientIp, string Outcome, string? Detail);

/// <summary>Audited actions (stable names: operators search logs and the audit API for them).</summary>
public static class AuthAuditActions
{
    public const string SignIn = "sign-in";
    public const string SignOut = "sign-out";
    public const string Refresh = "refresh";
    public const string RefreshReuse = "refresh-reuse";
    public const string SessionsRevoked = "sessions-revoked";
    public const string UserCreated = "user-created";
    public const string UserUpdated = "user-updated";
    public const string UserDeleted = "user-deleted";
    public const string AdminSeeded = "admin-seeded";
    public const string PasswordRehashed = "password-rehashed";
}
