using AuthService.Passkeys;
using Platform.Security.InternalTls;
using Platform.Security.SignIn;
using Platform.Storage.Audit;
using Platform.Storage.Database;
using ServiceDefaults.Alerts;
using ServiceDefaults.Configuration;

namespace AuthService.Configuration;

/// <summary>The AuthService's configuration (docs/configuration.md lists the variables).</summary>
public sealed record AuthSettings
{
    /// <summary>Where the service listens unless ASPNETCORE_URLS says otherwise: loopback, plain HTTP.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5001";

    /// <summary>What every service behind the gateway reads (DATA_DIR, INTERNAL_TLS_*, REDIS_URL, PUBLIC_BASE_URL…).</summary>
    public required InternalServiceSettings Service { get; init; }

    /// <summary>DATABASE_URL: PostgreSQL when set, else SQLite in DATA_DIR.</summary>
    public required DatabaseSettings Database { get; init; }

    /// <summary>AUDIT_RETENTION_DAYS.</summary>
    public required AuditSettings Audit { get; init; }

    public required string? AdminUsername { get; init; }
    public required string? AdminPasswordHash { get; init; }
    public required string KeysDirectory { get; init; }

    /// <summary>Development only: create a signing key when the directory has none.</summary>
    public required bool CreateKeyIfMissing { get; init; }

    public required TimeSpan AccessTokenLifetime { get; init; }

    /// <summary>A session ends this long after sign-in, whatever happens (REFRESH_TOKEN_HOURS).</summary>
    public required TimeSpan SessionAbsoluteLifetime { get; init; }

    /// <summary>A session ends when its refresh token is not used for this long.</summary>
    public required TimeSpan SessionIdleLifetime { get; init; }

    /// <summary>bcrypt cost for new hashes; stored hashes below it are upgraded at sign-in.</summary>
    public required int BcryptWorkFactor { get; init; }

    /// <summary>bcrypt computations at once; more wait in a short queue, beyond that sign-in answers 503.</summary>
    public required int HashingConcurrency { get; init; }

    /// <summary>DATA_ENCRYPTION_KEY (and _PREVIOUS): seal the secrets stored in the database.</summary>
    public required Encryption.DataEncryptionKeys DataEncryption { get; init; }

    /// <summary>ALERT_WEBHOOK_URL: bursts of failed sign-ins are posted there.</summary>
    public AlertSettings Alerts { get; init; } = new((Uri?)null);

    /// <summary>MFA_REQUIRED_FOR_ADMINS: admins without a passkey or TOTP second factor reach only enrolment.</summary>
    public required bool SecondFactorRequiredForAdmins { get; init; }

    /// <summary>The relying party and origins of passkeys, and PASSKEYS_REQUIRED_FOR_ADMINS.</summary>
    public required PasskeySettings Passkeys { get; init; }

    /// <summary>PASSKEYS_REQUIRED_FOR_ADMINS.</summary>
    public bool PasskeysRequiredForAdmins => Passkeys.RequiredForAdmins;

    /// <summary>JWT_KEYS_DIR; in Development DATA_DIR/keys when unset. The <c>keys</c> commands read it the same way.</summary>
    public static string? ReadKeysDirectory(SettingsReader reader, string dataDirectory) =>
        reader.RequiredInProduction(
            "JWT_KEYS_DIR",
            Path.Combine(dataDirectory, "keys"),
            "directory of ES256 signing keys; create one with: dotnet AuthService.dll keys new --dir DIR"
        );

    /// <summary>BCRYPT_WORK_FACTOR: the service's new hashes and <c>hash-password</c>'s output use the same cost.</summary>
    public static int ReadWorkFactor(SettingsReader reader) =>
        reader.Number("BCRYPT_WORK_FACTOR", Passwords.PasswordRules.DefaultWorkFactor, Passwords.PasswordRules.MinWorkFactor, 16);

    public static AuthSettings Read(SettingsReader reader)
    {
        var adminUsername = reader.RequiredInProduction("ADMIN_USERNAME");
        var adminHash = reader.RequiredInProduction("ADMIN_PASSWORD_HASH", hint: "create one with: dotnet AuthService.dll hash-password");
        if (adminUsername is not null && !UsernameRules.IsValid(adminUsername))
        {
            reader.AddProblem($"ADMIN_USERNAME must be 3 to 64 letters, digits, '.', '_' or '-'.");
        }

        if (adminHash is not null && !Passwords.PasswordRules.IsBcryptHash(adminHash))
        {
            reader.AddProblem(
                "ADMIN_PASSWORD_HASH is not a bcrypt hash (expected $2a$/$2b$/$2y$ with cost 10 to 31); create one with: dotnet "
                    + "AuthService.dll hash-password"
            );
        }

        if ((adminUsername is null) != (adminHash is null) && !reader.IsProduction)
        {
            reader.AddProblem("ADMIN_USERNAME and ADMIN_PASSWORD_HASH go together: set both or neither.");
        }

        var service = InternalServiceSettings.Read(
            reader,
            DefaultUrl,
            "the public origin of the gateway, e.g. https://calls.example.com; the discovery document names it"
        );
        var keysDirectory = ReadKeysDirectory(reader, service.DataDirectory);
        if (keysDirectory is not null && reader.IsProduction && !Keys.KeyDirectory.HasActiveKey(keysDirectory))
        {
            reader.AddProblem(
                $"JWT_KEYS_DIR {keysDirectory} has no active signing key; create one with: dotnet AuthService.dll keys new --dir {keysDirectory}"
            );
        }

        return new AuthSettings
        {
            Service = service,
            Database = DatabaseSettings.Read(reader, service.DataDirectory),
            Audit = AuditSettings.Read(reader),
            AdminUsername = adminUsername?.ToLowerInvariant(),
            AdminPasswordHash = adminHash,
            KeysDirectory = keysDirectory ?? "",
            CreateKeyIfMissing = !reader.IsProduction,
            AccessTokenLifetime = TimeSpan.FromMinutes(reader.Number("ACCESS_TOKEN_MINUTES", 15, 1, 1440)),
            SessionAbsoluteLifetime = TimeSpan.FromHours(reader.Number("REFRESH_TOKEN_HOURS", 12, 1, 24 * 90)),
            SessionIdleLifetime = TimeSpan.FromMinutes(reader.Number("SESSION_IDLE_MINUTES", 120, 5, 24 * 60 * 90)),
            BcryptWorkFactor = ReadWorkFactor(reader),
            // Half the cores by default: a sign-in flood must leave room for everything else the machine serves.
            HashingConcurrency = reader.Number("HASHING_CONCURRENCY", Math.Max(1, Environment.ProcessorCount / 2), 1, 64),
            SecondFactorRequiredForAdmins = reader.Flag("MFA_REQUIRED_FOR_ADMINS", false),
            Passkeys = PasskeySettings.Read(reader, service.PublicBaseUrl),
            DataEncryption = Encryption.DataEncryptionKeys.Read(reader, service.DataDirectory),
            Alerts = AlertSettings.Read(reader),
        };
    }
}
