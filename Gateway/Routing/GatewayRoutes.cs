using System.Net;
using Gateway.Authorization;
using Gateway.Configuration;
using Gateway.RateLimiting;
using ServiceDefaults.Health;
using ServiceDefaults.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using static Gateway.Authorization.GatewayPolicies;
using static Gateway.RateLimiting.RateLimitPolicies;

namespace Gateway.Routing;

/// <summary>
/// The route table: each public path of docs/gateway.md, the cluster it goes
/// to, who may use it, its rate-limit policy and its body limit. Anything not listed here (the services'
/// <c>/internal/…</c> endpoints among them) is never forwarded. Every later step reads these facts from the endpoint
/// a request matched, so a request is treated as the route it reaches, however its path is spelled.
/// </summary>
internal static class GatewayRoutes
{
    public const string AuthCluster = "auth";
    public const string RecordingsCluster = "recordings";
    private const string Auth = AuthCluster;
    private const string Recordings = RecordingsCluster;

    /// <summary>Any request body, unless its route allows less.</summary>
    public const long MaxRequestBodyBytes = 10 * 1024 * 1024;
    public const long SignInBodyBytes = 4 * 1024;

    /// <summary>A passkey's registration or assertion JSON (a few hundred bytes to a few KB with attestation).</summary>
    public const long PasskeyBodyBytes = 16 * 1024;

    private static readonly string[] Post = ["POST"];
    private static readonly string[] Read = ["GET", "HEAD"];
    private static readonly string[] Delete = ["DELETE"];

    /// <summary>One row of the table.</summary>
    public sealed record Route(string Id, string Cluster, string Path, string Policy, string[]? Methods, string RateLimit, long? BodyLimit)
    {
        public RouteConfig Config =>
            new()
            {
                RouteId = Id,
                ClusterId = Cluster,
                AuthorizationPolicy = Policy,
                Match = new RouteMatch { Path = Path, Methods = Methods },
            };
    }

    /// <summary>The routes that check a second-factor code (confirming one, turning it off).</summary>
    private static readonly string[] SecondFactorCodeRoutes = ["auth-mfa-confirm", "auth-mfa-disable"];

    /// <summary>The one route Twilio calls (its source addresses may be restricted: TWILIO_WEBHOOK_ALLOWED_IPS).</summary>
    public const string TwilioCallbackRoute = "webhook-recording";

    // One row per route, one line per row.
    // csharpier-ignore
    public static IReadOnlyList<Route> Table { get; } =
    [
        new("auth-login", Auth, "/api/auth/login", Anonymous, Post, Login, SignInBodyBytes),
        new("auth-refresh", Auth, "/api/auth/refresh", Anonymous, Post, Global, SignInBodyBytes),
        new("auth", Auth, "/api/auth/{**rest}", SignedIn, null, Global, MaxRequestBodyBytes),
        // What a token limited to enrolling a second factor may reach (MFA_REQUIRED_FOR_ADMINS); full tokens too.
        new("auth-me", Auth, "/api/auth/me", Enrolling, Read, Global, MaxRequestBodyBytes),
        new("auth-logout", Auth, "/api/auth/logout", Enrolling, Post, Global, SignInBodyBytes),
        new("auth-mfa-setup", Auth, "/api/auth/mfa/totp/setup", Enrolling, Post, Global, SignInBodyBytes),
        new("auth-mfa-confirm", Auth, "/api/auth/mfa/totp/confirm", Enrolling, Post, Global, SignInBodyBytes),
        new("auth-mfa-disable", Auth, "/api/auth/mfa/totp", SignedIn, Delete, SecondFactor, SignInBodyBytes),
        // Passkeys: signing in counts against the address's sign-in budget (its options do not); registering is open
        // to a token that may only enrol.
        new("auth-passkey-sign-in-options", Auth, "/api/auth/passkeys/login/options", Anonymous, Post, Global, SignInBodyBytes),
        new("auth-passkey-sign-in", Auth, "/api/auth/passkeys/login", Anonymous, Post, Login, PasskeyBodyBytes),
        new("auth-passkey-register-options", Auth, "/api/auth/passkeys/register/options", Enrolling, Post, Global, SignInBodyBytes),
        new("auth-passkey-register", Auth, "/api/auth/passkeys/register", Enrolling, Post, Global, PasskeyBodyBytes),
        new("jwks", Auth, "/.well-known/jwks.json", Anonymous, Read, Global, MaxRequestBodyBytes),
        new("openid-configuration", Auth, "/.well-known/openid-configuration", Anonymous, Read, Global, MaxRequestBodyBytes),
        new("users", Auth, "/api/users/{**rest}", Admin, null, Global, MaxRequestBodyBytes),
        new("audit-auth", Auth, "/api/audit/auth", Admin, Read, Global, MaxRequestBodyBytes),
        new("recordings", Recordings, "/api/recordings/{**rest}", SignedIn, null, Global, MaxRequestBodyBytes),
        new("recordings-delete", Recordings, "/api/recordings/{sid}", Admin, Delete, Global, MaxRequestBodyBytes),
        new("recordings-sync", Recordings, "/api/recordings/sync", Admin, Post, Global, MaxRequestBodyBytes),
        new("audit-recordings", Recordings, "/api/audit/recordings", Admin, Read, Global, MaxRequestBodyBytes),
        // Twilio sends many callbacks from few addresses: its own, generous limit, since refusing one loses a recording.
        new(TwilioCallbackRoute, Recordings, "/webhooks/recording", Anonymous, Post, Webhook, BodyLimits.TwilioCallbackBytes),
        // No method constraint: browsers open WebSockets over HTTP/2 as an extended CONNECT, over HTTP/1.1 as GET.
        // No body limit of its own: an upgraded connection's limit is read-only (routing would warn on every socket);
        // Kestrel's overall limit still holds for a plain request with a body.
        new("events", Recordings, "/ws", SignedIn, null, Global, null),
    ];

    public static IReadOnlyList<RouteConfig> Routes { get; } = [.. Table.Select(route => route.Config)];

    /// <summary>
    /// The route a request for <paramref name="pathTemplate"/> (a service's OpenAPI path such as
    /// <c>/api/users/{username}</c>) with <paramref name="method"/> reaches, or null when the gateway does not forward
    /// it. As routing chooses: among matching routes, the most specific template wins (literal segments over
    /// parameters over catch-alls, segment by segment).
    /// </summary>
    public static Route? RouteFor(string cluster, string pathTemplate, string method)
    {
        var segments = pathTemplate.Split('/', StringSplitOptions.RemoveEmptyEntries);
        Route? best = null;
        int[]? bestScore = null;
        foreach (var route in Table)
        {
            if (
                route.Cluster != cluster
                || (route.Methods is not null && !route.Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
                || Precedence(route.Path.Split('/', StringSplitOptions.RemoveEmptyEntries), segments) is not { } score
            )
            {
                continue;
            }

            if (bestScore is null || score.AsSpan().SequenceCompareTo(bestScore) > 0)
            {
                (best, bestScore) = (route, score);
            }
        }

        return best;
    }

    // Per template segment: 3 a literal equal to the path's, 2 a parameter, 1 a catch-all (which takes the rest);
    // null when the template does not match. A path's own parameter ({sid}) matches only a template parameter.
    private static int[]? Precedence(string[] template, string[] path)
    {
        var score = new List<int>();
        for (var i = 0; i < template.Length; i++)
        {
            var part = template[i];
            if (part.StartsWith("{**", StringComparison.Ordinal))
            {
                score.Add(1);
                return [.. score];
            }

            if (i >= path.Length)
            {
                return null;
            }

            if (part.StartsWith('{'))
            {
                score.Add(2);
            }
            else if (string.Equals(part, path[i], StringComparison.OrdinalIgnoreCase))
            {
                score.Add(3);
            }
            else
            {
                return null;
            }
        }

        return template.Length == path.Length ? [.. score] : null;
    }

    /// <summary>Puts a route's facts on its endpoint: the rate-limit policy, and the body limit routing applies.</summary>
    public static void AddFacts(IEndpointConventionBuilder endpoint, RouteConfig config)
    {
        var route = Table.Single(r => r.Id == config.RouteId);
        endpoint.WithMetadata(
            new RouteFacts(
                route.RateLimit,
                TwilioCallback: route.Id == TwilioCallbackRoute,
                SecondFactorCode: SecondFactorCodeRoutes.Contains(route.Id),
                Idempotent: route.Id == TwilioCallbackRoute
            )
        );
        if (route.BodyLimit is { } bytes)
        {
            endpoint.WithBodyLimit(bytes);
        }
    }

    public static IReadOnlyList<ClusterConfig> Clusters(GatewaySettings settings) =>
        [
            Cluster(AuthCluster, settings.AuthServiceUrls, settings.HealthCheckInterval),
            Cluster(RecordingsCluster, settings.RecordingsServiceUrls, settings.HealthCheckInterval),
        ];

    /// <summary>How long a readiness probe may take before it counts as failed.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private static ClusterConfig Cluster(string id, IReadOnlyList<Uri> urls, TimeSpan healthInterval) =>
        new()
        {
            ClusterId = id,
            LoadBalancingPolicy = "PowerOfTwoChoices",
            // One failed probe takes a replica out: a stopping replica answers /health/ready 503 on purpose (and keeps
            // serving for SHUTDOWN_DRAIN_SECONDS), so the gateway must move away within one interval, not two.
            Metadata = new Dictionary<string, string> { ["ConsecutiveFailuresHealthPolicy.Threshold"] = "1" },
            Destinations = urls.Select((url, index) => (Name: $"{id}-{index + 1}", Config: new DestinationConfig { Address = url.ToString() }))
                .ToDictionary(destination => destination.Name, destination => destination.Config),
            HealthCheck = new HealthCheckConfig
            {
                // A replica that fails its probes gets no traffic, even when that leaves none: a quick 503 beats
                // sending users to a service known to be down (YARP's default "panic" mode would).
                AvailableDestinationsPolicy = "HealthyAndUnknown",
                // Active: each replica's readiness, so a stopped or stopping (draining) replica leaves rotation within one
                // interval. Readiness is 503 only while draining or before any signing key is known; a degraded dependency
                // (database, Redis) keeps it 200.
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = healthInterval,
                    // 5 s whatever the interval: a replica that is only slow under load is not taken out for a one-second
                    // delay (one failed probe takes it out). Probes never overlap: YARP starts the next one an interval
                    // after the last one ended.
                    Timeout = ProbeTimeout,
                    Policy = "ConsecutiveFailures",
                    Path = HealthEndpoints.ReadyPath,
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
