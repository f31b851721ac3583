using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace ServiceDefaults.Http;

/// <summary>
/// A request Kestrel found malformed while it was being read (a body over its limit: 413; a broken chunked body or a
/// client that stopped sending: 400) is the client's error, answered with that status as problem+json, not 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            httpContext.Response.Headers.Connection = "close";
        }

        return await problems.TryWriteAsync(
            new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails =
                {
                    Status = bad.StatusCode,
                    Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                },
            }
        );
    }
}
