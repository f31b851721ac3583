using System.Security.Cryptography;
using System.Text;
using AuthService.Configuration;
using AuthService.Keys;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Security.SignIn;
using Platform.Security.Tokens;

namespace AuthService.Tokens;

/// <summary>An access token and when it expires.</summary>
public sealed record AccessToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>Mints ES256 access tokens (<c>typ: at+jwt</c>, <c>kid</c> of the active key) and opaque refresh tokens.</summary>
public sealed class TokenIssuer(KeyRing keys, AuthSettings settings, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <param name="enrollOnly">The token reaches only the second-factor enrolment (MFA_REQUIRED_FOR_ADMINS).</param>
    public AccessToken CreateAccessToken(string username, string role, string sessionId, bool enrollOnly = false)
    {
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = username,
            [TokenConventions.RoleClaim] = role,
            [TokenConventions.SessionClaim] = sessionId,
        };
        if (enrollOnly)
        {
            claims[TokenConventions.EnrollmentClaim] = TokenConventions.EnrollmentTotp;
        }

        return Sign(TokenConventions.Audience, TokenConventions.TokenType, settings.AccessTokenLifetime, claims);
    }

    /// <summary>
    /// A device token for <paramref name="username"/> (<see cref="DeviceTokens"/>): signed like access tokens, never usable as one.
    /// </summary>
    public AccessToken CreateDeviceToken(string username) =>
        Sign(
            DeviceTokens.Audience,
            DeviceTokens.TokenType,
            DeviceTokens.Lifetime,
            new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = username }
        );

    // ES256 with the active key, issued now, a fresh jti.
    private AccessToken Sign(string audience, string type, TimeSpan lifetime, Dictionary<string, object> claims)
    {
        var now = time.GetUtcNow();
        var expires = now + lifetime;
        claims[JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var token = Handler.CreateToken(
            new SecurityTokenDescriptor
            {
                Issuer = TokenConventions.Issuer,
                Audience = audience,
                TokenType = type,
                IssuedAt = now.UtcDateTime,
                NotBefore = now.UtcDateTime,
                Expires = expires.UtcDateTime,
                SigningCredentials = new SigningCredentials(keys.Active.SecurityKey, SecurityAlgorithms.EcdsaSha256),
                Claims = claims,
            }
        );
        return new AccessToken(token, expires);
    }

    /// <summary>A refresh token: 256 random bits. Only its SHA-256 is stored.</summary>
    public static string NewRefreshToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string HashRefreshToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string NewSessionId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
}
