using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace TestSupport;

/// <summary>
/// What an authenticator app computes (RFC 6238 with RFC 4226's truncation: HMAC-SHA-1, 6 digits, 30 s), written
/// out here from the RFCs rather than taken from the library the AuthService uses, so the tests check the service
/// against the standard, not against itself.
/// </summary>
public static class TotpCalculator
{
    public static string Code(string base32Secret, DateTimeOffset at) => CodeForStep(Base32(base32Secret), at.ToUnixTimeSeconds() / 30, 6);

    public static string CodeForStep(byte[] key, long step, int digits)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
#pragma warning disable CA5350 // RFC 6238's default, and what authenticator apps use; HMAC-SHA-1 is not broken as a MAC
        var hash = HMACSHA1.HashData(key, counter);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % (int)Math.Pow(10, digits)).ToString(new string('0', digits), CultureInfo.InvariantCulture);
    }

    /// <summary>RFC 4648 base32, upper or lower case, padding optional.</summary>
    public static byte[] Base32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0;
        var buffer = 0;
        var bytes = new List<byte>();
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException($"'{c}' is not base32.");
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        return [.. bytes];
    }
}
