using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.Storage;

/// <summary>
/// A database that cannot be written (disk full, I/O error, locked too long) is an infrastructure fault, not a bug:
/// the request is answered 503 with <c>Retry-After</c> (its transaction was rolled back, nothing is half-written), and
/// the fault is logged as an error. Requests go through again as soon as the database can be written.
/// </summary>
internal sealed partial class StorageFaultHandler(IProblemDetailsService problems, ILogger<StorageFaultHandler> logger) : IExceptionHandler
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
    private static readonly HashSet<int> InfrastructureErrors = [5, 6, 7, 8, 10, 13, 14];

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not SqliteException sqlite || !InfrastructureErrors.Contains(sqlite.SqliteErrorCode))
        {
            return false; // anything else (a constraint, a syntax error) is a bug: it stays a logged 500
        }

        LogFault(sqlite.SqliteErrorCode, sqlite.Message, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = "The request could not be stored; nothing was changed. Try again shortly.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Database fault (SQLite error {Code}: {Reason}) answering {Path}; answered 503")]
    private partial void LogFault(int code, string reason, PathString path);
}

public static class StorageFaultExtensions
{
    /// <summary>Database faults answer 503 with Retry-After (<see cref="StorageFaultHandler"/>) instead of 500.</summary>
    public static IServiceCollection AddStorageFaultHandling(this IServiceCollection services) =>
        services.AddProblemDetails().AddExceptionHandler<StorageFaultHandler>();
}
