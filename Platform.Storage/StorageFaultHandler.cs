using System.Data.Common;
using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Http;

namespace Platform.Storage;

/// <summary>
/// A database that cannot be reached or written is an infrastructure fault, not a bug: the request is answered 503
/// with <c>Retry-After</c> (its transaction was rolled back, nothing is half-written), and the fault is logged as an
/// error. Requests go through again as soon as the database answers.
/// </summary>
internal sealed partial class StorageFaultHandler(ILogger<StorageFaultHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not DbException fault || !DatabaseFaults.IsInfrastructure(fault))
        {
            return false; // anything else (a constraint, a syntax error) is a bug: it stays a logged 500
        }

        LogFault(
            fault.GetType().Name,
            fault.SqlState ?? (fault as SqliteException)?.SqliteErrorCode.ToString(CultureInfo.InvariantCulture),
            fault.Message,
            httpContext.Request.Path
        );
        return await httpContext.TryWriteProblemAsync(
            StatusCodes.Status503ServiceUnavailable,
            "Storage unavailable",
            "The request could not be served by the database; nothing was changed. Try again shortly.",
            retryAfterSeconds: 5
        );
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Database fault ({Kind} {Code}: {Reason}) answering {Path}; answered 503")]
    private partial void LogFault(string kind, string? code, string reason, PathString path);
}

public static class StorageFaultExtensions
{
    /// <summary>Database faults answer 503 with Retry-After (<see cref="StorageFaultHandler"/>) instead of 500.</summary>
    public static IServiceCollection AddStorageFaultHandling(this IServiceCollection services) =>
        services.AddProblemDetails().AddExceptionHandler<StorageFaultHandler>();
}
