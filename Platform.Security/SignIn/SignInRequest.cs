using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Platform.Security.SignIn;

/// <summary>
/// The body of <c>POST /api/auth/login</c> (<c>code</c>: a TOTP or recovery code, for accounts with a second factor),
/// read the same way by the AuthService (which judges it) and the gateway (which slows down guessing per username):
/// web defaults, so property names match without case (<c>"Username"</c> is <c>"username"</c>), and the username
/// normalised by <see cref="UsernameRules"/>.
/// </summary>
public sealed record SignInRequest(string? Username, string? Password, string? Code = null)
{
    public static JsonTypeInfo<SignInRequest> JsonType => SignInJsonContext.Default.SignInRequest;

    /// <summary>The normalised username the request names, or null when it names none that could exist.</summary>
    [JsonIgnore]
    public string? NormalizedUsername => UsernameRules.IsValid(Username) ? UsernameRules.Normalize(Username!) : null;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SignInRequest))]
internal sealed partial class SignInJsonContext : JsonSerializerContext;
