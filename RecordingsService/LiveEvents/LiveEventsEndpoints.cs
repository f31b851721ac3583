using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Security.Tokens;

namespace RecordingsService.LiveEvents;

internal static class LiveEventsEndpoints
{
    /// <summary>Keep-alive ping interval: idle connections through proxies stay open.</summary>
    public static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(20);

    /// <summary><c>GET /ws</c>: a signed-in dashboard receives <c>{"type":"recording.updated","recording":{…}}</c> events.</summary>
    public static IEndpointRouteBuilder MapLiveEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ws", async Task<Results<EmptyHttpResult, ProblemHttpResult>> (HttpContext context, ClaimsPrincipal user, LiveEventHub hub, IHostApplicationLifetime lifetime) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket required", detail: "Connect with a WebSocket upgrade.");
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = PingInterval, KeepAliveTimeout = PingInterval * 2 });
            var expires = long.TryParse(user.FindFirstValue("exp"), out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : DateTimeOffset.MaxValue;
            var client = new LiveClient(socket, user.Identity?.Name ?? "?", user.FindFirstValue(TokenConventions.SessionClaim), expires, context.Connection.RemoteIpAddress?.ToString());
            await hub.RunAsync(client, lifetime.ApplicationStopping);
            return TypedResults.Empty;
        }).RequireAuthorization(PlatformPolicies.SignedIn).WithName("LiveEvents").WithTags("Live events").ExcludeFromDescription();
        return app;
    }
}
