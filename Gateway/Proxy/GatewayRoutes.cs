using System.Globalization;
using System.Net;
using Gateway.Authorization;
using Gateway.Configuration;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

/// <summary>
/// The public paths of the README («What the gateway does to every request») and the cluster each goes to. Anything not listed here (the services'
/// <c>/internal/…</c> endpoints among them) is never forwarded.
/// </summary>
internal static class GatewayRoutes
{
    public const string AuthCluster = "auth";
    public const string RecordingsCluster = "recordings";

    /// <summary>Route metadata key: the route's body limit in bytes (default 10 MB).</summary>
    public const string MaxRequestBodyBytesKey = "MaxRequestBodyBytes";

    public const long SignInBodyBytes = 4 * 1024;
    public const long WebhookBodyBytes = 64 * 1024;

    private static readonly string[] Post = ["POST"];
    private static readonly string[] Read = ["GET", "HEAD"];

    private static readonly string[] Delete = ["DELETE"];

    /// <summary>Who may use each route (the README): anonymous, any signed-in user, or admins.</summary>
    public static IReadOnlyList<RouteConfig> Routes { get; } =
    [
        Route("auth-login", AuthCluster, "/api/auth/login", GatewayPolicies.Anonymous, Post, SignInBodyBytes),
        Route("auth-refresh", AuthCluster, "/api/auth/refresh", GatewayPolicies.Anonymous, Post, SignInBodyBytes),
        Route("auth", AuthCluster, "/api/auth/{**rest}", GatewayPolicies.SignedIn),
        Route("jwks", AuthCluster, "/.well-known/jwks.json", GatewayPolicies.Anonymous, Read),
        Route("openid-configuration", AuthCluster, "/.well-known/openid-configuration", GatewayPolicies.Anonymous, Read),
        Route("users", AuthCluster, "/api/users/{**rest}", GatewayPolicies.Admin),
        Route("audit-auth", AuthCluster, "/api/audit/auth", GatewayPolicies.Admin, Read),
        Route("recordings", RecordingsCluster, "/api/recordings/{**rest}", GatewayPolicies.SignedIn),
        Route("recordings-delete", RecordingsCluster, "/api/recordings/{sid}", GatewayPolicies.Admin, Delete),
        Route("recordings-sync", RecordingsCluster, "/api/recordings/sync", GatewayPolicies.Admin, Post),
        Route("audit-recordings", RecordingsCluster, "/api/audit/recordings", GatewayPolicies.Admin, Read),
        Route("webhook-recording", RecordingsCluster, "/webhooks/recording", GatewayPolicies.Anonymous, Post, WebhookBodyBytes),
        // No method constraint: browsers open WebSockets over HTTP/2 as an extended CONNECT, over HTTP/1.1 as GET.
        Route("events", RecordingsCluster, "/ws", GatewayPolicies.SignedIn),
    ];

    public static IReadOnlyList<ClusterConfig> Clusters(GatewaySettings settings) =>
    [
        Cluster(AuthCluster, settings.AuthServiceUrls, settings.HealthCheckInterval),
        Cluster(RecordingsCluster, settings.RecordingsServiceUrls, settings.HealthCheckInterval),
    ];

    private static RouteConfig Route(string id, string cluster, string path, string policy, string[]? methods = null, long? maxBodyBytes = null) => new()
    {
        RouteId = id,
        ClusterId = cluster,
        AuthorizationPolicy = policy,
        Match = new RouteMatch { Path = path, Methods = methods },
        Metadata = maxBodyBytes is null
            ? null
            : new Dictionary<string, string> { [MaxRequestBodyBytesKey] = maxBodyBytes.Value.ToString(CultureInfo.InvariantCulture) },
    };

    private static ClusterConfig Cluster(string id, IReadOnlyList<Uri> urls, TimeSpan healthInterval) => new()
    {
        ClusterId = id,
        LoadBalancingPolicy = "PowerOfTwoChoices",
        Destinations = urls
            .Select((url, index) => (Name: $"{id}-{index + 1}", Config: new DestinationConfig { Address = url.ToString() }))
            .ToDictionary(destination => destination.Name, destination => destination.Config),
        HealthCheck = new HealthCheckConfig
        {
            // A replica that fails its probes gets no traffic, even when that leaves none: a quick 503 beats
            // sending users to a service known to be down (YARP's default "panic" mode would).
            AvailableDestinationsPolicy = "HealthyAndUnknown",
            // Active: each replica's /health, so a stopped replica leaves rotation within two intervals.
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = healthInterval,
                Timeout = TimeSpan.FromSeconds(Math.Min(5, healthInterval.TotalSeconds)),
                Policy = "ConsecutiveFailures",
                Path = "/health",
            },
            // Passive: failing proxied requests take a replica out between probes.
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = "TransportFailureRate",
                ReactivationPeriod = TimeSpan.FromSeconds(30),
            },
        },
        HttpRequest = new ForwarderRequestConfig
        {
            // HTTP/1.1 to the services (WebSocket upgrades included); no activity for a minute ends the request.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            ActivityTimeout = TimeSpan.FromSeconds(60),
        },
    };
}
