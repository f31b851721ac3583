using System.Security.Cryptography;
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

    public AccessToken CreateAccessToken(string username, string role, string sessionId)
    {
        var now = time.GetUtcNow();
        var expires = now + settings.AccessTokenLifetime;
        var key = keys.Active;
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenConventions.Issuer,
            Audience = TokenConventions.Audience,
            TokenType = TokenConventions.TokenType,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(key.SecurityKey, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = username,
                [TokenConventions.RoleClaim] = role,
                [TokenConventions.SessionClaim] = sessionId,
                [JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            },
        });
        return new AccessToken(token, expires);
    }

    /// <summary>A device token for <paramref name="username"/> (<see cref="DeviceTokens"/>): signed like access tokens, never usable as one.</summary>
    public AccessToken CreateDeviceToken(string username)
    {
        var now = time.GetUtcNow();
        var expires = now + DeviceTokens.Lifetime;
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenConventions.Issuer,
            Audience = DeviceTokens.Audience,
            TokenType = DeviceTokens.TokenType,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(keys.Active.SecurityKey, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = username,
                [JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            },
        });
        return new AccessToken(token, expires);
    }

    /// <summary>A refresh token: 256 random bits. Only its SHA-256 is stored.</summary>
    public static string NewRefreshToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string HashRefreshToken(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    public static string NewSessionId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
}
