using Platform.Storage.Audit;
using Platform.Storage.Database;
using Platform.Storage.Migrations;

namespace AuthService.Storage;

/// <summary>
/// The AuthService's data: users, sessions, refresh tokens, the revocation feed and the audit. SQLite
/// (DATA_DIR/auth.db, shared by the service and the command line) or, with DATABASE_URL, PostgreSQL schema <c>auth</c>.
/// </summary>
public sealed class AuthDatabase(DatabaseSettings settings, ILogger<AuthDatabase> logger)
    : ServiceDatabase(settings, "auth", durable: false, Load, logger)
{
    private static IReadOnlyList<Migration> Load(DatabaseEngine engine) =>
        [.. Migration.Load(typeof(AuthDatabase).Assembly, "auth", engine), .. AuditMigrations.Load(engine)];
}
