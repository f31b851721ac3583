using Gateway.RateLimiting;

namespace Gateway.Routing;

/// <summary>
/// What the gateway applies to a request by the endpoint it reached — never by the spelling of its path: the
/// rate-limit policy (null: not limited). Every endpoint the gateway serves carries one (proxied routes, the
/// dashboard's files, the health probes); a request that matches none is limited as <see cref="Unrouted"/>.
/// Body limits are endpoint metadata too (<see cref="ServiceDefaults.Http.BodyLimit"/>), applied by routing.
/// </summary>
/// <param name="SecondFactorCode">A route that checks a second-factor code: wrong codes count in the username's sign-in slowdown.</param>
/// <param name="Idempotent">
/// Sending the request twice changes nothing (Twilio's callback: stored once by its RecordingSid), so a POST that
/// reached no replica is sent to another, as GETs are.
/// </param>
internal sealed record RouteFacts(string? RateLimitPolicy, bool TwilioCallback = false, bool SecondFactorCode = false, bool Idempotent = false)
{
    /// <summary>Health probes and the dashboard's files: never limited.</summary>
    public static readonly RouteFacts NotLimited = new((string?)null);

    /// <summary>A request that reaches no endpoint (it will be a 404) still counts against the global limit.</summary>
    public static readonly RouteFacts Unrouted = new(RateLimitPolicies.Global);

    public static RouteFacts For(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<RouteFacts>() ?? Unrouted;
}
