using AuthService.Sessions;
using AuthService.Tokens;
using Platform.Security.SignIn;
using Platform.Security.Tokens;

namespace AuthService.Authentication;

/// <summary>
/// The session cookies: the access token in <c>__Host-session</c> (every path) and the refresh token in
/// <c>__Secure-refresh</c> (only <c>/api/auth</c>). Both HttpOnly, Secure and SameSite=Strict: scripts never see them.
/// </summary>
internal static class AuthCookies
{
    public static void Set(HttpResponse response, TokenPair tokens, DateTimeOffset refreshExpires)
    {
        response.Cookies.Append(TokenConventions.SessionCookie, tokens.Access.Value, Options("/", tokens.Access.ExpiresAt));
        response.Cookies.Append(TokenConventions.RefreshCookie, tokens.RefreshToken, Options(TokenConventions.RefreshCookiePath, refreshExpires));
    }

    /// <summary>The device cookie (<see cref="DeviceTokens"/>): kept across sign-outs, it recognises this browser at the next sign-in.</summary>
    public static void SetDevice(HttpResponse response, AccessToken device) =>
        response.Cookies.Append(DeviceTokens.Cookie, device.Value, Options("/", device.ExpiresAt));

    public static void Clear(HttpResponse response)
    {
        response.Cookies.Delete(TokenConventions.SessionCookie, Options("/", null));
        response.Cookies.Delete(TokenConventions.RefreshCookie, Options(TokenConventions.RefreshCookiePath, null));
    }

    private static CookieOptions Options(string path, DateTimeOffset? expires) =>
        new()
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.Strict,
            Path = path,
            Expires = expires,
            IsEssential = true,
        };
}
