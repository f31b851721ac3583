using Microsoft.IdentityModel.Tokens;
using Platform.Security.SignIn;
using Platform.Security.Tokens;

namespace Gateway.RateLimiting;

/// <summary>
/// Recognises a sign-in attempt from the user's own device: a valid device cookie (<see cref="DeviceTokens"/>, signed
/// by the AuthService with a key it publishes) naming the very username the attempt tries.
/// </summary>
internal sealed class KnownDevices(JwksKeyCache keys, TimeProvider time)
{
    private readonly TokenValidationParameters _parameters = DeviceTokens.ValidationParameters(keys.KeysFor, time);

    /// <returns>The device's id, or null when the cookie is not a valid device token for <paramref name="username"/>.</returns>
    public Task<string?> RecognizeAsync(string? cookie, string username) => DeviceTokens.RecognizeAsync(cookie, username, _parameters);
}
