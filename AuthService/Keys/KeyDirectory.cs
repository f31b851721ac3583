using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuthService.Keys;

/// <summary>
/// One signing key's record: published from its creation until retired; of the unretired keys whose
/// <see cref="ActivatesAt"/> has come, the one created last (highest <see cref="Sequence"/>) signs. A key created
/// while another signs waits KEY_ACTIVATION_SECONDS before signing, so every verifier has read it from JWKS first
/// (records written before activation times existed have none: active at once).
/// </summary>
public sealed record KeyInfo(string Kid, long Sequence, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, DateTimeOffset? ActivatesAt = null)
{
    public bool IsRetired => RetiredAt is not null;

    public bool IsActiveAt(DateTimeOffset now) => !IsRetired && (ActivatesAt is null || ActivatesAt <= now);

    /// <summary>The key that signs at <paramref name="now"/>: the newest active one; if none is active yet, the oldest unretired one.</summary>
    public static KeyInfo? Signing(IReadOnlyList<KeyInfo> keys, DateTimeOffset now) =>
        keys.LastOrDefault(k => k.IsActiveAt(now)) ?? keys.FirstOrDefault(k => !k.IsRetired);
}

/// <summary>
/// The signing keys in JWT_KEYS_DIR, shared by every AuthService replica and the command line: per key a PKCS#8
/// PEM private key (<c>KID.key.pem</c>, mode 600) and a small JSON record (<c>KID.json</c>). Files are written to a
/// temporary name and renamed, so a reader never sees half a key.
/// </summary>
public static class KeyDirectory
{
    private const string RecordSuffix = ".json";
    private const string KeySuffix = ".key.pem";

    public static IReadOnlyList<KeyInfo> List(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var keys = new List<KeyInfo>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + RecordSuffix))
        {
            var record = JsonSerializer.Deserialize(File.ReadAllText(path), KeyJsonContext.Default.KeyInfo);
            if (record is not null && File.Exists(KeyPath(directory, record.Kid)))
            {
                keys.Add(record);
            }
        }

        return [.. keys.OrderBy(k => k.Sequence).ThenBy(k => k.Kid, StringComparer.Ordinal)];
    }

    public static bool HasActiveKey(string directory) => List(directory).Any(k => !k.IsRetired);

    /// <summary>
    /// Creates a P-256 key, published at once. It signs from <paramref name="now"/> + <paramref name="activation"/>
    /// (at once when no other key signs); until then the current key goes on signing. Older keys verify until retired.
    /// </summary>
    public static KeyInfo Create(string directory, DateTimeOffset now, TimeSpan activation)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var kid = $"{now:yyyyMMdd}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        WriteAtomically(KeyPath(directory, kid), key.ExportPkcs8PrivateKeyPem(), secret: true);
        var existing = List(directory);
        var sequence = existing.Select(k => k.Sequence).DefaultIfEmpty(0).Max() + 1;
        // At once: no clock to compare (the machine running the command and the AuthService's may differ a little).
        DateTimeOffset? activatesAt = activation > TimeSpan.Zero && existing.Any(k => k.IsActiveAt(now)) ? now + activation : null;
        var record = new KeyInfo(kid, sequence, now, null, activatesAt);
        WriteAtomically(RecordPath(directory, kid), JsonSerializer.Serialize(record, KeyJsonContext.Default.KeyInfo), secret: false);
        return record;
    }

    /// <returns>False when no such key exists.</returns>
    public static bool Retire(string directory, string kid, DateTimeOffset now)
    {
        var record = List(directory).FirstOrDefault(k => k.Kid == kid);
        if (record is null)
        {
            return false;
        }

        if (!record.IsRetired)
        {
            WriteAtomically(
                RecordPath(directory, kid),
                JsonSerializer.Serialize(record with { RetiredAt = now }, KeyJsonContext.Default.KeyInfo),
                secret: false
            );
        }

        return true;
    }

    public static ECDsa LoadPrivateKey(string directory, string kid)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(KeyPath(directory, kid)));
        return key;
    }

    private static string KeyPath(string directory, string kid) => Path.Combine(directory, kid + KeySuffix);

    private static string RecordPath(string directory, string kid) => Path.Combine(directory, kid + RecordSuffix);

    private static void WriteAtomically(string path, string content, bool secret)
    {
        var temporary = path + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // A private key is readable by its owner only, from the moment the file exists.
            options.UnixCreateMode = secret
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(KeyInfo))]
internal sealed partial class KeyJsonContext : JsonSerializerContext;
