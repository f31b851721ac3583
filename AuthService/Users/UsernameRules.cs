using System.Text.RegularExpressions;

namespace AuthService.Users;

/// <summary>Usernames: 3 to 64 letters, digits, '.', '_' or '-'; compared without case (stored lower-case).</summary>
public static partial class UsernameRules
{
    public static bool IsValid(string? username) => username is not null && Pattern().IsMatch(username);

    public static string Normalize(string username) => username.ToLowerInvariant();

    // \A…\z: "$" would also accept a trailing newline.
    [GeneratedRegex(@"\A[A-Za-z0-9._-]{3,64}\z")]
    private static partial Regex Pattern();
}
