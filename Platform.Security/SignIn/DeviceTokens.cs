using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Security.Tokens;

namespace Platform.Security.SignIn;

/// <summary>
/// Device cookies (OWASP "slow down online guessing with device cookies"): a browser that signed in as a user keeps
/// <see cref="Cookie"/>, an ES256 token the AuthService signs with its access-token keys (so every gateway can check it
/// against JWKS) that names the user. A sign-in attempt presenting a valid one for the username it tries is the
/// user's own device: it skips the per-username slowdown and sign-in shedding, with a small budget of its own.
/// It is never an access token: its type and audience differ, and verifiers of access tokens refuse both.
/// </summary>
public static class DeviceTokens
{
    /// <summary>HttpOnly, Secure, SameSite=Strict, host-only; sent with sign-in requests only.</summary>
    public const string Cookie = "__Host-device";

    public const string TokenType = "device+jwt";
    public const string Audience = "recordings-platform-device";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    /// <summary>Failed sign-ins a device may have before its cookie stops counting.</summary>
    public const int FailureBudget = 3;

    /// <summary>The rules a device token must meet, over the published keys.</summary>
    public static TokenValidationParameters ValidationParameters(Func<string?, IEnumerable<SecurityKey>> keysForKid, TimeProvider time)
    {
        var parameters = TokenValidation.CreateParameters(keysForKid, time);
        parameters.ValidAudience = Audience;
        parameters.ValidTypes = [TokenType];
        return parameters;
    }

    /// <summary>
    /// The device's id when <paramref name="token"/> is a valid device token for <paramref name="username"/> (already
    /// normalised): the sign-in attempt comes from that user's own device. Null otherwise.
    /// </summary>
    public static async Task<string?> RecognizeAsync(string? token, string username, TokenValidationParameters parameters) =>
        await ValidateAsync(token, parameters) is { } device && UsernameRules.Normalize(device.Username) == username ? device.Id : null;

    /// <summary>The device's id and user, when <paramref name="token"/> is a valid device token.</summary>
    public static async Task<(string Id, string Username)?> ValidateAsync(string? token, TokenValidationParameters parameters)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
        return result.IsValid && result.SecurityToken is JsonWebToken jwt && !string.IsNullOrEmpty(jwt.Id) && !string.IsNullOrEmpty(jwt.Subject)
            ? (jwt.Id, jwt.Subject)
            : null;
    }
}
