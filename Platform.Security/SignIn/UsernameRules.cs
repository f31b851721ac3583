using System.Text.RegularExpressions;

namespace Platform.Security.SignIn;

/// <summary>
/// Usernames: 3 to 64 letters, digits, '.', '_' or '-'; compared without case (stored lower-case). The AuthService
/// stores and finds users by <see cref="Normalize"/>; the gateway keys its per-username slowdown the same way.
/// </summary>
public static partial class UsernameRules
{
    public static bool IsValid(string? username) => username is not null && Pattern().IsMatch(username);

    public static string Normalize(string username) => username.ToLowerInvariant();

    // \A…\z: "$" would also accept a trailing newline.
    [GeneratedRegex(@"\A[A-Za-z0-9._-]{3,64}\z")]
    private static partial Regex Pattern();
}
