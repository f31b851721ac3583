using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AuthService.Passwords;

/// <summary>What a new password must be. bcrypt reads at most 72 bytes; longer passwords are refused, never truncated.</summary>
public static partial class PasswordRules
{
    public const int MinBytes = 12;
    public const int MaxBytes = 72;
    public const int DefaultWorkFactor = 12;
    public const int MinWorkFactor = 10;

    /// <returns>Null when acceptable, else a message for the user.</returns>
    public static string? Check(string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "The password is empty.";
        }

        var bytes = Encoding.UTF8.GetByteCount(password);
        return bytes switch
        {
            < MinBytes => $"The password must be at least {MinBytes} bytes long (UTF-8).",
            > MaxBytes => $"The password must be at most {MaxBytes} bytes long (UTF-8); it is {bytes}. Longer passwords are refused, not truncated.",
            _ => null,
        };
    }

    /// <summary>True when the password could be one we accept at sign-in (never more than bcrypt reads).</summary>
    public static bool FitsBcrypt(string password) => Encoding.UTF8.GetByteCount(password) <= MaxBytes;

    public static bool IsBcryptHash(string hash) => BcryptHash().IsMatch(hash) && WorkFactorOf(hash) >= MinWorkFactor;

    public static int WorkFactorOf(string hash) =>
        int.TryParse(hash.AsSpan(4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var cost) ? cost : 0;

    public static string Hash(string password, int workFactor = DefaultWorkFactor) =>
        BCrypt.Net.BCrypt.HashPassword(password, Math.Max(workFactor, MinWorkFactor));

    [GeneratedRegex(@"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BcryptHash();
}
