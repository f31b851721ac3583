namespace Platform.Security.Tokens;

/// <summary>What the AuthService puts in a token and every verifier checks: one place, so they cannot drift.</summary>
public static class TokenConventions
{
    public const string Issuer = "recordings-platform-auth";
    public const string Audience = "recordings-platform";
    public const string TokenType = "at+jwt";
    public const string Algorithm = "ES256";

    public const string RoleClaim = "role";
    public const string SessionClaim = "sid";

    /// <summary>
    /// On a token that may only enrol a second factor (an admin without one, when MFA_REQUIRED_FOR_ADMINS is set):
    /// <see cref="PlatformPolicies.SignedIn"/> and <see cref="PlatformPolicies.Admin"/> refuse it everywhere;
    /// only <see cref="PlatformPolicies.Enrolling"/> admits it.
    /// </summary>
    public const string EnrollmentClaim = "mfa_enroll";
    public const string EnrollmentTotp = "totp";

    public const string AdminRole = "admin";
    public const string ViewerRole = "viewer";

    /// <summary>The access token as a cookie: host-only, Path=/, Secure.</summary>
    public const string SessionCookie = "__Host-session";

    /// <summary>The refresh token as a cookie, sent only to <see cref="RefreshCookiePath"/>.</summary>
    public const string RefreshCookie = "__Secure-refresh";
    public const string RefreshCookiePath = "/api/auth";

    /// <summary>Largest clock difference tolerated between issuer and verifiers.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
}
