using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Security.Tokens;

/// <summary>The one set of rules every verifier applies to an access token.</summary>
public static class TokenValidation
{
    /// <summary>
    /// ES256 only (no <c>none</c>, no HMAC with a public key), issuer, audience, <c>typ: at+jwt</c>, no <c>crit</c>
    /// header, a required <c>exp</c>, <c>nbf</c>, 30 s of clock skew, with time from <paramref name="time"/> so tests
    /// can move it.
    /// </summary>
    public static TokenValidationParameters CreateParameters(Func<string?, IEnumerable<SecurityKey>> keysForKid, TimeProvider time) =>
        new()
        {
            ValidIssuer = TokenConventions.Issuer,
            ValidAudience = TokenConventions.Audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = [TokenConventions.TokenType],
            TypeValidator = ValidateType,
            ClockSkew = TokenConventions.ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            NameClaimType = "sub",
            RoleClaimType = TokenConventions.RoleClaim,
            IssuerSigningKeyResolver = (_, _, kid, _) => keysForKid(kid),
            LifetimeValidator = (notBefore, expires, _, parameters) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is not null
                    && now <= expires.Value + parameters.ClockSkew
                    && (notBefore is null || notBefore.Value <= now + parameters.ClockSkew);
            },
        };

    /// <summary>
    /// <c>typ</c> must be <c>at+jwt</c>, and the header must carry no <c>crit</c>: RFC 7515 §4.1.11 requires refusing a
    /// token whose critical extensions the verifier does not understand, and the platform understands none (an empty
    /// list is malformed).
    /// </summary>
    private static string ValidateType(string? type, SecurityToken token, TokenValidationParameters parameters)
    {
        if (token is JsonWebToken jwt && jwt.TryGetHeaderValue<object>("crit", out _))
        {
            throw new SecurityTokenInvalidTypeException(
                "The token's header names critical extensions (crit) that this verifier does not understand."
            );
        }

        if (type is null || !parameters.ValidTypes.Contains(type, StringComparer.Ordinal))
        {
            throw new SecurityTokenInvalidTypeException($"The token's type (typ) must be {TokenConventions.TokenType}.") { InvalidType = type };
        }

        return type;
    }
}
