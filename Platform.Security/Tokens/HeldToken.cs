using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Platform.Security.Tokens;

/// <summary>
/// What a verifier keeps of a token it holds beyond one request (a live socket), to check it again as the HTTP path
/// would: its session, when it was issued, the key that signed it, and when it expires.
/// </summary>
public sealed record HeldToken(string? Session, long? IssuedAt, string? Kid, DateTimeOffset ExpiresAt)
{
    /// <summary>The token the request was authenticated with (already validated by the authentication handler).</summary>
    public static HeldToken From(HttpContext context)
    {
        var user = context.User;
        var (session, issuedAt) = ValidatedToken.SessionOf(user);
        var expires = long.TryParse(user.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : DateTimeOffset.MinValue; // validation requires exp: a principal without one is not held
        var token = RequestToken.Find(context.Request);
        string? kid = null;
        if (token is { } found)
        {
            kid = new JsonWebToken(found.Value).Kid;
        }

        return new HeldToken(session, issuedAt, kid, expires);
    }
}
