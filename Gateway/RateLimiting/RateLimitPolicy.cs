using System.Globalization;
using Gateway.Configuration;
using Gateway.Routing;

namespace Gateway.RateLimiting;

/// <summary>A named limit: <see cref="Limit"/> requests per client IP per fixed <see cref="Window"/>.</summary>
internal sealed record RateLimitPolicy(string Name, int Limit, TimeSpan Window)
{
    /// <summary>The policy as draft-ietf-httpapi-ratelimit-headers writes it, e.g. <c>"global";q=100;w=900</c>.</summary>
    public string Header { get; } = string.Create(CultureInfo.InvariantCulture, $"\"{Name}\";q={Limit};w={(long)Window.TotalSeconds}");
}

/// <summary>The names routes give their rate-limit policy (<see cref="RouteFacts"/>); checked at start-up.</summary>
internal static class RateLimitPolicies
{
    public const string Global = "global";
    public const string Login = "login";
    public const string Webhook = "webhook";

    /// <summary>Codes presented to turn a second factor off: guessed no faster than passwords.</summary>
    public const string SecondFactor = "second-factor";
}

/// <summary>The configured limits, and which one a request counts against: the one its route names.</summary>
internal sealed class GatewayRateLimits(GatewaySettings settings)
{
    public RateLimitPolicy Global { get; } = new(RateLimitPolicies.Global, settings.RateLimitMax, settings.RateLimitWindow);
    public RateLimitPolicy Login { get; } = new(RateLimitPolicies.Login, settings.LoginRateLimitMax, settings.RateLimitWindow);
    public RateLimitPolicy Webhook { get; } = new(RateLimitPolicies.Webhook, settings.WebhookRateLimitMax, TimeSpan.FromMinutes(1));
    public RateLimitPolicy SecondFactor { get; } = new(RateLimitPolicies.SecondFactor, settings.LoginRateLimitMax, settings.RateLimitWindow);

    /// <returns>Null for requests whose route is not limited (health probes, the dashboard's files).</returns>
    public RateLimitPolicy? For(HttpContext context) => Named(RouteFacts.For(context).RateLimitPolicy);

    /// <exception cref="InvalidOperationException">A route names a policy that does not exist (a typo must not leave a route unlimited).</exception>
    public RateLimitPolicy? Named(string? name) =>
        name switch
        {
            null => null,
            RateLimitPolicies.Global => Global,
            RateLimitPolicies.Login => Login,
            RateLimitPolicies.Webhook => Webhook,
            RateLimitPolicies.SecondFactor => SecondFactor,
            _ => throw new InvalidOperationException($"No rate-limit policy is named \"{name}\"."),
        };
}
