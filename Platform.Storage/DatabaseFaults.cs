using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Platform.Storage;

/// <summary>
/// Which database errors are the infrastructure's (the database down, unreachable, out of space or connections,
/// shutting down, a lock or serialization conflict) rather than a bug (a constraint, a syntax error, bad data).
/// This is the one place that reads an engine's codes (the transient flag, the SQLSTATE of PostgreSQL, SQLite's primary
/// result code) and the one place that says what counts as a storage outage: every caller asks here.
/// </summary>
public static class DatabaseFaults
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
    private static readonly HashSet<int> SqliteInfrastructureCodes = [5, 6, 7, 8, 10, 13, 14];

    // SQLSTATE classes: 08 connection, 53 insufficient resources, 57 operator intervention (shutdown), 58 system error,
    // and 40001/40P01 serialization failure/deadlock, 55P03 lock not available, 25006 read-only transaction (a standby).
    private static readonly string[] InfrastructureClasses = ["08", "53", "57", "58"];
    private static readonly HashSet<string> InfrastructureStates = ["40001", "40P01", "55P03", "25006"];

    /// <summary>The engine says it is down, unreachable, full, shutting down or in conflict (see above).</summary>
    public static bool IsInfrastructure(Exception exception) =>
        exception switch
        {
            DbException { IsTransient: true } => true,
            DbException { SqlState: { Length: 5 } state } => InfrastructureStates.Contains(state) || InfrastructureClasses.Contains(state[..2]),
            SqliteException sqlite => SqliteInfrastructureCodes.Contains(sqlite.SqliteErrorCode),
            TimeoutException => true,
            _ => false,
        };

    /// <summary>
    /// The storage cannot do it now, and may later: the engine's infrastructure errors, I/O under it (the disk, the
    /// spool), or a driver refusing work in its state (a pool or connection closed by an outage or a shutdown).
    /// </summary>
    public static bool IsOutage(Exception exception) => IsInfrastructure(exception) || exception is IOException or InvalidOperationException;

    /// <summary>
    /// A write did not happen, for any reason a caller holding data it must not lose has to handle: an outage, the
    /// database refusing this write for good (any other <see cref="DbException"/>: a bug or bad data), or the write cut
    /// short (the request or the service stopping). Tell the two apart with <see cref="IsOutage"/>.
    /// </summary>
    public static bool IsStoreFailure(Exception exception) => IsOutage(exception) || exception is DbException or OperationCanceledException;
}
