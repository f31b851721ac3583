using Microsoft.IdentityModel.Tokens;

namespace Platform.Security.Tokens;

/// <summary>The one set of rules every verifier applies to an access token.</summary>
public static class TokenValidation
{
    /// <summary>
    /// ES256 only (no <c>none</c>, no HMAC with a public key), issuer, audience, <c>typ: at+jwt</c>, a required
    /// <c>exp</c>, <c>nbf</c>, 30 s of clock skew, with time from <paramref name="time"/> so tests can move it.
    /// </summary>
    public static TokenValidationParameters CreateParameters(Func<string?, IEnumerable<SecurityKey>> keysForKid, TimeProvider time) => new()
    {
        ValidIssuer = TokenConventions.Issuer,
        ValidAudience = TokenConventions.Audience,
        ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        ValidTypes = [TokenConventions.TokenType],
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
}
