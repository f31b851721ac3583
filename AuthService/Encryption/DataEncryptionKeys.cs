using System.Security.Cryptography;
using ServiceDefaults.Configuration;

namespace AuthService.Encryption;

/// <summary>
/// DATA_ENCRYPTION_KEY (32 bytes, base64) and, during a key change, DATA_ENCRYPTION_KEY_PREVIOUS: the keys that seal
/// the secrets the AuthService stores (<see cref="SecretSealer"/>). Required in Production; in Development, a key is
/// made once in DATA_DIR/data-encryption.key (one machine, one replica: several need the variable).
/// </summary>
public sealed record DataEncryptionKeys(byte[] Current, byte[]? Previous)
{
    public const int KeyBytes = 32;
    public const string DevelopmentKeyFile = "data-encryption.key";
    private const string Hint = "32 random bytes, base64; make one with: openssl rand -base64 32";

    public static DataEncryptionKeys Read(SettingsReader reader, string dataDirectory)
    {
        var current = Parse(reader, "DATA_ENCRYPTION_KEY", reader.RequiredInProduction("DATA_ENCRYPTION_KEY", hint: Hint));
        var previous = Parse(reader, "DATA_ENCRYPTION_KEY_PREVIOUS", reader.Raw("DATA_ENCRYPTION_KEY_PREVIOUS"));
        if (current is not null && previous is not null && CryptographicOperations.FixedTimeEquals(current, previous))
        {
            reader.AddProblem("DATA_ENCRYPTION_KEY_PREVIOUS is the same as DATA_ENCRYPTION_KEY: set it to the old key during a change, or unset it.");
        }

        if (current is null && !reader.IsProduction && reader.Raw("DATA_ENCRYPTION_KEY") is null)
        {
            current = DevelopmentKey(dataDirectory);
        }

        return new DataEncryptionKeys(current ?? new byte[KeyBytes], previous);
    }

    private static byte[]? Parse(SettingsReader reader, string name, string? value)
    {
        if (value is null)
        {
            return null;
        }

        var bytes = new byte[KeyBytes + 1];
        if (!Convert.TryFromBase64String(value, bytes, out var written) || written != KeyBytes)
        {
            reader.AddProblem($"{name} must be {Hint}.");
            return null;
        }

        return bytes[..KeyBytes];
    }

    private static byte[] DevelopmentKey(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, DevelopmentKeyFile);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataDirectory);
            var created = Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));
            try
            {
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                using var writer = new StreamWriter(stream);
                writer.Write(created);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process of this data folder made it first: use theirs.
            }
        }

        return Convert.FromBase64String(File.ReadAllText(path).Trim());
    }
}
