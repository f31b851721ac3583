namespace AuthService.Audit;

/// <summary>Audited actions (stable names: operators search logs and the audit API for them).</summary>
public static class AuthAuditActions
{
    public const string SignIn = "sign-in";
    public const string SignOut = "sign-out";
    public const string RefreshReuse = "refresh-reuse";
    public const string SessionsRevoked = "sessions-revoked";
    public const string UserCreated = "user-created";
    public const string UserUpdated = "user-updated";
    public const string UserDeleted = "user-deleted";
    public const string AdminSeeded = "admin-seeded";
    public const string PasswordRehashed = "password-rehashed";
    public const string SecondFactorEnabled = "mfa-enabled";
    public const string SecondFactorDisabled = "mfa-disabled";
    public const string SecondFactorReset = "mfa-reset";
    public const string PasskeyAdded = "passkey-added";
    public const string PasskeyRemoved = "passkey-removed";
    public const string PasskeysReset = "passkeys-reset";

    /// <summary>A wrong code to confirm or turn off a second factor: counted and alerted like a failed sign-in.</summary>
    public const string SecondFactorCode = "mfa-code";
    public const string SignInAlert = "sign-in-alert";
}
