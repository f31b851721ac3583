using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Logging;

namespace AuthService.Revocation;

internal static class RevocationEndpoints
{
    /// <summary>
    /// <c>GET /internal/revocations?since=CURSOR</c>: what verifiers poll. Internal: the gateway never routes
    /// <c>/internal/…</c>, and the service listens only on the internal network.
    /// </summary>
    public static IEndpointRouteBuilder MapRevocationFeed(this IEndpointRouteBuilder app)
    {
        app.MapGet(
                "/internal/revocations",
                async Task<Results<Ok<RevocationBatch>, ProblemHttpResult>> (
                    string? since,
                    IRevocationFeed feed,
                    CancellationToken cancellationToken
                ) =>
                {
                    long cursor = 0;
                    if (since is not null && (!long.TryParse(since, NumberStyles.None, CultureInfo.InvariantCulture, out cursor)))
                    {
                        return TypedResults.Problem(statusCode: 400, title: "Invalid cursor", detail: "since must be a non-negative whole number.");
                    }

                    return TypedResults.Ok(await feed.ReadSinceAsync(cursor, 1000, cancellationToken));
                }
            )
            .ExcludeFromDescription()
            .AsRoutineRequest(); // every verifier polls it every REVOCATION_POLL_SECONDS
        return app;
    }
}
