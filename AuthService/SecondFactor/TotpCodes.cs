using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace AuthService.SecondFactor;

/// <summary>
/// TOTP as authenticator apps do it (RFC 6238): SHA-1, 6 digits, 30-second steps, one step of drift either way.
/// The arithmetic is Otp.NET's; this class only fixes the parameters and the shapes codes may take.
/// </summary>
public static class TotpCodes
{
    public const int Digits = 6;
    public const int StepSeconds = 30;

    /// <summary>160 bits, the size RFC 4226 recommends for SHA-1.</summary>
    public const int SecretBytes = 20;

    public const int RecoveryCodeCount = 10;

    private static readonly VerificationWindow Drift = new(previous: 1, future: 1);

    // Recovery codes: 10 characters of RFC 4648's base32 alphabet (no 0, 1, 8 or 9 to confuse with o, l, b or g),
    // shown as xxxxx-xxxxx: 50 random bits each, and only useful together with the password.
    private const string RecoveryAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(SecretBytes));

    /// <summary>The URI authenticator apps read from the QR code (Google Authenticator's Key Uri Format).</summary>
    public static string OtpAuthUri(string issuer, string username, string secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(username)}?secret={secret}"
        + $"&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";

    /// <summary>Six digits, spaces allowed (apps show "123 456").</summary>
    public static bool LooksLikeTotp(string code, out string digits)
    {
        digits = code.Replace(" ", "", StringComparison.Ordinal);
        return digits.Length == Digits && digits.All(char.IsAsciiDigit);
    }

    /// <returns>The time step the code belongs to (now, or one step either side), or null when it fits none.</returns>
    public static long? MatchStep(string secret, string digits, DateTimeOffset now)
    {
        var totp = new Totp(Base32Encoding.ToBytes(secret), StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, digits, out var step, Drift) ? step : null;
    }

    public static IReadOnlyList<string> NewRecoveryCodes()
    {
        var codes = new string[RecoveryCodeCount];
        for (var i = 0; i < codes.Length; i++)
        {
            var chars = RandomNumberGenerator.GetItems<char>(RecoveryAlphabet, 10);
            codes[i] = $"{new string(chars, 0, 5)}-{new string(chars, 5, 5)}";
        }

        return codes;
    }

    /// <summary>A recovery code as typed: case, spaces and the dash do not matter. Null when it cannot be one.</summary>
    public static string? NormalizeRecoveryCode(string code)
    {
        var normalized = code.Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        return normalized.Length == 10 && normalized.All(c => RecoveryAlphabet.Contains(c, StringComparison.Ordinal)) ? normalized : null;
    }

    /// <summary>What is stored of a recovery code.</summary>
    public static string HashRecoveryCode(string normalized) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));

    /// <summary>The otpauth URI as an SVG QR code, drawn here (nothing is fetched from outside).</summary>
    public static string QrSvg(string uri)
    {
        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCoder.QRCodeGenerator.ECCLevel.M);
        return new QRCoder.SvgQRCode(data).GetGraphic(4);
    }
}
