using System.Security.Cryptography;
using System.Text;

namespace AuthService.Encryption;

/// <summary>
/// Seals a secret for storage with AES-256-GCM: <c>v1:KEYID:base64(nonce | ciphertext | tag)</c>, the key id the first
/// bytes of the key's SHA-256 (so a value names the key that sealed it), and the row it belongs to (table, column,
/// owner) as associated data, so a sealed value copied to another user's row does not open there. Opens values sealed
/// with the current key or the previous one; a value without the prefix is one stored before encryption (read as is,
/// and sealed by the <c>reencrypt</c> command).
/// </summary>
public sealed class SecretSealer(DataEncryptionKeys keys)
{
    private const string Prefix = "v1:";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly (string Id, byte[] Key) _current = (KeyId(keys.Current), keys.Current);
    private readonly (string Id, byte[] Key)? _previous = keys.Previous is { } previous ? (KeyId(previous), previous) : null;

    public string Seal(string secret, string context)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_current.Key, TagBytes);
        aes.Encrypt(
            nonce,
            plaintext,
            sealedBytes.AsSpan(NonceBytes, plaintext.Length),
            sealedBytes.AsSpan(NonceBytes + plaintext.Length),
            Encoding.UTF8.GetBytes(context)
        );
        return $"{Prefix}{_current.Id}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <exception cref="CryptographicException">Sealed with a key that is neither configured one, or altered.</exception>
    public string Open(string stored, string context)
    {
        if (!IsSealed(stored))
        {
            return stored;
        }

        var parts = stored.Split(':', 3);
        var key =
            parts[1] == _current.Id ? _current.Key
            : _previous is { } previous && parts[1] == previous.Id ? previous.Key
            : throw new CryptographicException(
                $"A stored secret was sealed with key {parts[1]}, which is neither DATA_ENCRYPTION_KEY nor DATA_ENCRYPTION_KEY_PREVIOUS."
            );
        var sealedBytes = Convert.FromBase64String(parts[2]);
        var plaintext = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(
            sealedBytes.AsSpan(0, NonceBytes),
            sealedBytes.AsSpan(NonceBytes, plaintext.Length),
            sealedBytes.AsSpan(NonceBytes + plaintext.Length),
            plaintext,
            Encoding.UTF8.GetBytes(context)
        );
        return Encoding.UTF8.GetString(plaintext);
    }

    /// <summary>True when <paramref name="stored"/> is sealed with the current key (nothing for <c>reencrypt</c> to do).</summary>
    public bool IsCurrent(string stored) => stored.StartsWith($"{Prefix}{_current.Id}:", StringComparison.Ordinal);

    public static bool IsSealed(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);

    private static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key))[..8];
}
