using Platform.Storage.Audit;
using Platform.Storage.Database;
using Platform.Storage.Migrations;

namespace RecordingsService.Storage;

/// <summary>
/// The RecordingsService's data: recordings and the access audit. SQLite (DATA_DIR/recordings.db, WAL with
/// synchronous=FULL, so a committed webhook survives a power cut, not only a crash) or, with DATABASE_URL, PostgreSQL
/// schema <c>recordings</c>.
/// </summary>
public sealed class RecordingsDatabase(DatabaseSettings settings, ILogger<RecordingsDatabase> logger)
    : ServiceDatabase(settings, "recordings", durable: true, Load, logger)
{
    private static IReadOnlyList<Migration> Load(DatabaseEngine engine) =>
        [.. Migration.Load(typeof(RecordingsDatabase).Assembly, "recordings", engine), .. AuditMigrations.Load(engine)];
}
