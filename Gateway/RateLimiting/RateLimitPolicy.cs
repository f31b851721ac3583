using System.Globalization;
using Gateway.Configuration;
using ServiceDefaults;

namespace Gateway.RateLimiting;

/// <summary>A named limit: <see cref="Limit"/> requests per client IP per fixed <see cref="Window"/>.</summary>
internal sealed record RateLimitPolicy(string Name, int Limit, TimeSpan Window)
{
    /// <summary>The policy as draft-ietf-httpapi-ratelimit-headers writes it, e.g. <c>"global";q=100;w=900</c>.</summary>
    public string Header { get; } = string.Create(CultureInfo.InvariantCulture, $"\"{Name}\";q={Limit};w={(long)Window.TotalSeconds}");
}

/// <summary>Which limit a request counts against, by path (fixed by the contract, so no routing is needed).</summary>
internal sealed class GatewayRateLimits(GatewaySettings settings)
{
    public RateLimitPolicy Global { get; } = new("global", settings.RateLimitMax, settings.RateLimitWindow);
    public RateLimitPolicy Login { get; } = new("login", settings.LoginRateLimitMax, settings.RateLimitWindow);
    public RateLimitPolicy Webhook { get; } = new("webhook", settings.WebhookRateLimitMax, TimeSpan.FromMinutes(1));

    /// <returns>Null for requests that are not limited: health probes, and reading the dashboard's files.</returns>
    public RateLimitPolicy? For(HttpRequest request)
    {
        var path = request.Path;
        if (path.IsHealthPath())
        {
            return null;
        }

        if (path.Equals("/api/auth/login", StringComparison.OrdinalIgnoreCase))
        {
            return Login;
        }

        if (path.Equals("/webhooks/recording", StringComparison.OrdinalIgnoreCase))
        {
            return Webhook;
        }

        var read = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        var api = path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/ws", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/webhooks", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/.well-known", StringComparison.OrdinalIgnoreCase);
        return read && !api ? null : Global;
    }
}
