using System.Security.Cryptography;
using AuthService.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace AuthService.Keys;

/// <summary>A loaded signing key: the private key for signing, public parameters for publishing.</summary>
public sealed record SigningKey(KeyInfo Info, ECDsaSecurityKey SecurityKey, ECParameters PublicParameters)
{
    public string Kid => Info.Kid;
}

/// <summary>
/// The keys of JWT_KEYS_DIR as this process uses them. Re-read whenever the folder changes (a stat per use), so a key
/// added or retired with the command line is in effect at once, without a restart.
/// </summary>
public sealed partial class KeyRing(AuthSettings settings, TimeProvider time, ILogger<KeyRing> logger)
{
    private readonly Lock _gate = new();
    private Snapshot? _snapshot;

    /// <summary>The key that signs now (a new key waits for its activation time, so verifiers have read it first).</summary>
    public SigningKey Active
    {
        get
        {
            var published = Current().Published;
            var signing = KeyInfo.Signing([.. published.Select(k => k.Info)], time.GetUtcNow());
            return published.FirstOrDefault(k => k.Info == signing) ?? throw new InvalidOperationException("JWT_KEYS_DIR has no active signing key.");
        }
    }

    /// <summary>Every key that is not retired: what JWKS publishes and what verifies.</summary>
    public IReadOnlyList<SigningKey> Published => Current().Published;

    /// <summary>Makes sure a key exists (Development creates one on first start), and loads the ring.</summary>
    public void EnsureReady()
    {
        if (settings.CreateKeyIfMissing && !KeyDirectory.HasActiveKey(settings.KeysDirectory))
        {
            var created = KeyDirectory.Create(settings.KeysDirectory, time.GetUtcNow(), TimeSpan.Zero);
            LogCreated(created.Kid, settings.KeysDirectory);
        }

        _ = Active;
    }

    private Snapshot Current()
    {
        var stamp = Directory.Exists(settings.KeysDirectory) ? Directory.GetLastWriteTimeUtc(settings.KeysDirectory) : DateTime.MinValue;
        var snapshot = _snapshot;
        if (snapshot is not null && snapshot.Stamp == stamp)
        {
            return snapshot;
        }

        lock (_gate)
        {
            if (_snapshot is not null && _snapshot.Stamp == stamp)
            {
                return _snapshot;
            }

            var published = new List<SigningKey>();
            foreach (var info in KeyDirectory.List(settings.KeysDirectory).Where(k => !k.IsRetired))
            {
                var key = KeyDirectory.LoadPrivateKey(settings.KeysDirectory, info.Kid);
                published.Add(
                    new SigningKey(info, new ECDsaSecurityKey(key) { KeyId = info.Kid }, key.ExportParameters(includePrivateParameters: false))
                );
            }

            _snapshot = new Snapshot(stamp, published);
            LogLoaded(published.Count, KeyInfo.Signing([.. published.Select(k => k.Info)], time.GetUtcNow())?.Kid);
            return _snapshot;
        }
    }

    private sealed record Snapshot(DateTime Stamp, IReadOnlyList<SigningKey> Published);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created signing key {Kid} in {Directory} (Development: no key existed)")]
    private partial void LogCreated(string kid, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Signing keys loaded: {Count} published, {ActiveKid} signs")]
    private partial void LogLoaded(int count, string? activeKid);
}
