using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDefaults.Http;

/// <summary>
/// The one way middleware answers with an RFC 9457 problem (endpoints return <c>TypedResults.Problem</c>): the
/// status, a title, a detail, optionally one extension member (e.g. <c>"mfa": "totp-setup-required"</c>) and
/// <c>Retry-After</c>, written by the application's <see cref="IProblemDetailsService"/> (so every problem carries the
/// same members, <c>traceId</c> included).
/// </summary>
public static class ProblemResponses
{
    /// <summary>Sets the status (and <c>Retry-After</c>) and writes the problem.</summary>
    public static Task WriteProblemAsync(
        this HttpContext context,
        int status,
        string title,
        string detail,
        long? retryAfterSeconds = null,
        (string Name, string Value)? extension = null
    ) => context.TryWriteProblemAsync(status, title, detail, retryAfterSeconds, extension).AsTask();

    /// <returns>False when no problem writer accepts the request (its <c>Accept</c> excludes JSON): the status stands, without a body.</returns>
    public static ValueTask<bool> TryWriteProblemAsync(
        this HttpContext context,
        int status,
        string title,
        string detail,
        long? retryAfterSeconds = null,
        (string Name, string Value)? extension = null
    )
    {
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = status,
                Title = title,
                Detail = detail,
            },
        };
        if (extension is var (name, value))
        {
            problem.ProblemDetails.Extensions[name] = value;
        }

        return context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(problem);
    }
}
