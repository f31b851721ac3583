using AuthService.Audit;
using AuthService.Configuration;
using AuthService.Passwords;
using AuthService.SecondFactor;
using AuthService.Tokens;
using AuthService.Users;
using Platform.Security.SignIn;
using Platform.Security.Tokens;
using Platform.Storage.Audit;

namespace AuthService.Sessions;

/// <summary>What a client receives on sign-in and refresh.</summary>
public sealed record TokenPair(AccessToken Access, string RefreshToken, string Username, string Role);

public enum SignInFailure
{
    None,
    InvalidCredentials,
    Busy,

    /// <summary>The password was right, but the account has a second factor and no valid code came with it.</summary>
    SecondFactorRequired,

    /// <summary>The password was right, but this admin must sign in with their passkey (see <c>MustUsePasskey</c>).</summary>
    PasskeyRequired,
}

public sealed record SignInOutcome(TokenPair? Tokens, SignInFailure Failure);

/// <summary>Sign-in, refresh rotation with reuse detection, sign-out and revocation.</summary>
public sealed class SessionService(
    IUserStore users,
    ISessionStore sessions,
    SessionRevoker revoker,
    IAuditLog audit,
    PasswordHasher hasher,
    TokenIssuer tokens,
    SignInMonitor monitor,
    SecondFactorService secondFactors,
    AuthSettings settings,
    TimeProvider time
)
{
    /// <param name="ownDevice">The attempt comes from the user's own device (<see cref="OwnDevices"/>).</param>
    public async Task<SignInOutcome> SignInAsync(
        string username,
        string password,
        string? code,
        string? clientIp,
        bool ownDevice,
        CancellationToken cancellationToken
    )
    {
        username = UsernameRules.Normalize(username);
        var user = await users.FindAsync(username, cancellationToken);
        // Unknown users are checked against a dummy hash: the same work, the same time, the same answer.
        var verified = await hasher.VerifyAsync(password, user?.PasswordHash ?? hasher.DummyHash, ownDevice, cancellationToken);
        if (verified is null)
        {
            return new SignInOutcome(null, SignInFailure.Busy);
        }

        var reason =
            user is null ? "unknown-user"
            : !verified.Value ? "wrong-password"
            : user.Disabled ? "disabled"
            : null;
        if (reason is not null)
        {
            await FailedAsync(username, clientIp, reason, cancellationToken);
            return new SignInOutcome(null, SignInFailure.InvalidCredentials);
        }

        // Only after the password: a wrong password answers the same whether or not the account has a passkey.
        if (MustUsePasskey(user!))
        {
            await audit.WriteAsync(AuthAuditActions.SignIn, null, username, clientIp, "failure", "passkey-required", cancellationToken);
            return new SignInOutcome(null, SignInFailure.PasskeyRequired);
        }

        // Only after the password: a wrong password answers the same whether or not the account has a second factor.
        var (check, codeKind) = await secondFactors.CheckAsync(user!.Username, code, cancellationToken);
        if (check is CodeCheck.Missing or CodeCheck.Wrong)
        {
            var codeReason = check == CodeCheck.Missing ? "code-required" : "wrong-code";
            if (check == CodeCheck.Wrong)
            {
                await FailedAsync(username, clientIp, codeReason, cancellationToken);
            }
            else
            {
                await audit.WriteAsync(AuthAuditActions.SignIn, null, username, clientIp, "failure", codeReason, cancellationToken);
            }
            return new SignInOutcome(null, SignInFailure.SecondFactorRequired);
        }

        var upgraded =
            PasswordRules.WorkFactorOf(user.PasswordHash) < hasher.WorkFactor ? await hasher.HashAsync(password, ownDevice, cancellationToken) : null;
        var now = time.GetUtcNow();
        var session = NewSession(user.Username, now);
        var refreshToken = TokenIssuer.NewRefreshToken();
        // The session is created only for the user as checked: an admin's change (password reset, disabling, demotion,
        // deletion) that committed meanwhile, on any replica, wins; the user is read again and checked again.
        for (
            var attempt = 0;
            !await sessions.CreateAsync(session, TokenIssuer.HashRefreshToken(refreshToken), user.Version, cancellationToken);
            attempt++
        )
        {
            var changed = attempt < 2 ? await users.FindAsync(username, cancellationToken) : null;
            var stillValid =
                changed is not null
                && !changed.Disabled
                && (
                    changed.PasswordHash == user.PasswordHash
                    || await hasher.VerifyAsync(password, changed.PasswordHash, ownDevice, cancellationToken) == true
                );
            if (!stillValid)
            {
                await FailedAsync(username, clientIp, "changed-meanwhile", cancellationToken);
                return new SignInOutcome(null, SignInFailure.InvalidCredentials);
            }

            upgraded = changed!.PasswordHash == user.PasswordHash ? upgraded : null;
            user = changed;
        }

        await users.RecordSignInAsync(user.Username, user.Version, now, upgraded, cancellationToken);
        if (upgraded is not null)
        {
            await audit.WriteAsync(
                AuthAuditActions.PasswordRehashed,
                user.Username,
                user.Username,
                clientIp,
                "success",
                $"bcrypt cost {PasswordRules.WorkFactorOf(user.PasswordHash)} -> {hasher.WorkFactor}",
                cancellationToken
            );
        }

        await audit.WriteAsync(
            AuthAuditActions.SignIn,
            user.Username,
            user.Username,
            clientIp,
            "success",
            codeKind is null ? null : $"with a {codeKind}",
            cancellationToken
        );
        var access = tokens.CreateAccessToken(user.Username, user.Role, session.Id, enrollOnly: MustEnroll(user));
        return new SignInOutcome(new TokenPair(access, refreshToken, user.Username, user.Role), SignInFailure.None);
    }

    /// <returns>A new pair, or null when the token is unknown, dead, or its session has ended.</returns>
    public async Task<TokenPair?> RefreshAsync(string refreshToken, string? clientIp, CancellationToken cancellationToken)
    {
        var record = await sessions.FindByRefreshTokenAsync(TokenIssuer.HashRefreshToken(refreshToken), cancellationToken);
        if (record is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var session = record.Session;
        if (record.UsedAt is not null)
        {
            // A replaced token came back: someone holds a copy. End the whole family (RFC 9700 §4.14.2).
            await EndReusedFamilyAsync(session, clientIp, cancellationToken);
            return null;
        }

        if (!session.IsActiveAt(now))
        {
            return null;
        }

        var user = await users.FindAsync(session.Username, cancellationToken);
        if (user is null || user.Disabled)
        {
            await revoker.RevokeAsync([session.Id], "user-unavailable", cancellationToken);
            return null;
        }

        var next = TokenIssuer.NewRefreshToken();
        var idle = Min(now + settings.SessionIdleLifetime, session.AbsoluteExpiresAt);
        if (!await sessions.RotateAsync(record.TokenHash, TokenIssuer.HashRefreshToken(next), session.Id, now, idle, cancellationToken))
        {
            // Used by a concurrent request between our read and our write: the same reuse, seen a moment later.
            await EndReusedFamilyAsync(session, clientIp, cancellationToken);
            return null;
        }

        // Refreshed right after enrolling, the session's next token reaches everything.
        return new TokenPair(tokens.CreateAccessToken(user.Username, user.Role, session.Id, MustEnroll(user)), next, user.Username, user.Role);
    }

    /// <summary>
    /// MFA_REQUIRED_FOR_ADMINS: an admin without a second factor gets a token that reaches only the enrolment
    /// endpoints (<see cref="Platform.Security.Tokens.TokenConventions.EnrollmentClaim"/>) until they have one.
    /// </summary>
    // A refresh token came back after it was replaced: someone holds a copy. The whole family ends, audited.
    private async Task EndReusedFamilyAsync(Session session, string? clientIp, CancellationToken cancellationToken)
    {
        await revoker.RevokeAsync([session.Id], "refresh-token-reuse", cancellationToken);
        await audit.WriteAsync(
            AuthAuditActions.RefreshReuse,
            null,
            session.Username,
            clientIp,
            "session-revoked",
            $"session {session.Id}",
            cancellationToken
        );
    }

    /// <summary>
    /// An admin who must still enrol, and whose tokens reach only enrolment until then: MFA_REQUIRED_FOR_ADMINS asks for a
    /// passkey or a TOTP second factor, PASSKEYS_REQUIRED_FOR_ADMINS for a passkey.
    /// </summary>
    public bool MustEnroll(User user) =>
        user.Role == TokenConventions.AdminRole
        && user.Passkeys == 0
        && (settings.PasskeysRequiredForAdmins || (settings.SecondFactorRequiredForAdmins && !user.HasSecondFactor));

    /// <summary>
    /// An admin whose second factor is a passkey, where one is required (PASSKEYS_REQUIRED_FOR_ADMINS, or
    /// MFA_REQUIRED_FOR_ADMINS without a TOTP second factor): a password, with or without a code, is not enough.
    /// </summary>
    private bool MustUsePasskey(User user) =>
        user.Role == TokenConventions.AdminRole
        && user.Passkeys > 0
        && (settings.PasskeysRequiredForAdmins || (settings.SecondFactorRequiredForAdmins && !user.HasSecondFactor));

    /// <summary>
    /// A session for a user who proved who they are with a passkey: possession and user verification at once, so it
    /// is a full session whatever second factor is required. Null when the user is gone or disabled.
    /// </summary>
    public async Task<TokenPair?> StartPasskeySessionAsync(string username, string? clientIp, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var user = await users.FindAsync(username, cancellationToken);
            if (user is null || user.Disabled)
            {
                return null;
            }

            var now = time.GetUtcNow();
            var session = NewSession(user.Username, now);
            var refreshToken = TokenIssuer.NewRefreshToken();
            // As with a password: an admin's change to the user that committed meanwhile wins; read the user again.
            if (!await sessions.CreateAsync(session, TokenIssuer.HashRefreshToken(refreshToken), user.Version, cancellationToken))
            {
                continue;
            }

            await users.RecordSignInAsync(user.Username, user.Version, now, null, cancellationToken);
            await audit.WriteAsync(AuthAuditActions.SignIn, user.Username, user.Username, clientIp, "success", "with a passkey", cancellationToken);
            var access = tokens.CreateAccessToken(user.Username, user.Role, session.Id, enrollOnly: false);
            return new TokenPair(access, refreshToken, user.Username, user.Role);
        }

        return null;
    }

    public async Task SignOutAsync(string sessionId, string username, string? clientIp, CancellationToken cancellationToken)
    {
        await revoker.RevokeAsync([sessionId], "sign-out", cancellationToken);
        await audit.WriteAsync(AuthAuditActions.SignOut, username, username, clientIp, "success", null, cancellationToken);
    }

    public DateTimeOffset Now() => time.GetUtcNow();

    // A session starting now: it ends when idle for SESSION_IDLE_MINUTES, and after REFRESH_TOKEN_HOURS whatever happens.
    private Session NewSession(string username, DateTimeOffset now) =>
        new(TokenIssuer.NewSessionId(), username, now, now + settings.SessionIdleLifetime, now + settings.SessionAbsoluteLifetime, null);

    private Task FailedAsync(string username, string? clientIp, string reason, CancellationToken cancellationToken) =>
        monitor.RecordFailureAsync(audit, AuthAuditActions.SignIn, username, clientIp, reason, cancellationToken);

    /// <summary>The refresh cookie lasts as long as a session can.</summary>
    public DateTimeOffset RefreshCookieExpiry() => time.GetUtcNow() + settings.SessionAbsoluteLifetime;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
