using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Security.Tokens;
using ServiceDefaults.Hosting;
using ServiceDefaults.Networking;

namespace RecordingsService.LiveEvents;

internal static class LiveEventsEndpoints
{
    /// <summary>Keep-alive ping interval: idle connections through proxies stay open.</summary>
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(20);

    /// <summary>
    /// <c>GET /ws[?since=ISO-8601]</c>: a signed-in dashboard receives <c>{"type":"connected","at":…}</c>, then, with
    /// <c>since</c>, every recording changed since then, then <c>{"type":"recording.updated","recording":{…}}</c> events.
    /// </summary>
    public static IEndpointRouteBuilder MapLiveEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet(
                "/ws",
                async Task<Results<EmptyHttpResult, ProblemHttpResult>> (
                    HttpContext context,
                    ClaimsPrincipal user,
                    LiveEventHub hub,
                    GracefulDrain drain
                ) =>
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        return TypedResults.Problem(
                            statusCode: StatusCodes.Status400BadRequest,
                            title: "WebSocket required",
                            detail: "Connect with a WebSocket upgrade."
                        );
                    }

                    DateTimeOffset? since = null;
                    if (context.Request.Query.TryGetValue("since", out var sinceValue))
                    {
                        if (
                            sinceValue.Count != 1
                            || !DateTimeOffset.TryParse(sinceValue[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                            || parsed.Year < 2000
                            || parsed.Year > 9000
                        )
                        {
                            return TypedResults.Problem(
                                statusCode: StatusCodes.Status400BadRequest,
                                title: "Invalid since",
                                detail: "since must be one ISO 8601 time, such as the at or updatedAt of the last event."
                            );
                        }

                        since = parsed;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync(
                        new WebSocketAcceptContext { KeepAliveInterval = PingInterval, KeepAliveTimeout = PingInterval * 2 }
                    );
                    var client = new LiveClient(socket, user.Identity?.Name ?? "?", HeldToken.From(context), context.ClientIp());
                    // Open until the drain is over: by then the gateway sends the reconnecting dashboard to another replica.
                    await hub.RunAsync(client, since, drain.Drained);
                    return TypedResults.Empty;
                }
            )
            .RequireAuthorization(PlatformPolicies.SignedIn)
            .WithName("LiveEvents")
            .WithTags("Live events")
            .ExcludeFromDescription();
        return app;
    }
}
