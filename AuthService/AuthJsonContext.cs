using System.Text.Json;
using System.Text.Json.Serialization;
using AuthService.Passkeys;
using AuthService.SecondFactor;
using AuthService.Sessions;
using AuthService.Users;

namespace AuthService;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(UpdateUserRequest))]
[JsonSerializable(typeof(CodeRequest))]
[JsonSerializable(typeof(PasskeyRegisterRequest))]
[JsonSerializable(typeof(PasskeySignInRequest))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
