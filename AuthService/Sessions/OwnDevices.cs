using AuthService.Keys;
using Microsoft.IdentityModel.Tokens;
using Platform.Security.SignIn;

namespace AuthService.Sessions;

/// <summary>
/// Recognises a sign-in attempt from the user's own device, as the gateway does (<see cref="DeviceTokens"/>), with this
/// service's own published keys: such an attempt is hashed in its own lane (<see cref="Passwords.PasswordHasher"/>), so
/// the user can sign in while a flood of guesses fills the common one.
/// </summary>
public sealed class OwnDevices(KeyRing keys, TimeProvider time)
{
    private readonly TokenValidationParameters _parameters = DeviceTokens.ValidationParameters(
        kid => keys.Published.Where(key => key.Kid == kid).Select(key => (SecurityKey)key.SecurityKey),
        time
    );

    /// <param name="username">Normalised.</param>
    public async Task<bool> PresentsAsync(HttpRequest request, string username) =>
        request.Cookies.TryGetValue(DeviceTokens.Cookie, out var cookie)
        && await DeviceTokens.RecognizeAsync(cookie, username, _parameters) is not null;
}
