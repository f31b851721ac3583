using Gateway.Configuration;
using Gateway.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Trace;
using Platform.Security.InternalTls;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy;

internal static class ProxyExtensions
{
    // Response headers that only the gateway decides: a backend's values are dropped before ours are applied.
    private static readonly string[] GatewayOwnedResponseHeaders =
    [
        "Access-Control-Allow-Origin",
        "Access-Control-Allow-Credentials",
        "Access-Control-Allow-Headers",
        "Access-Control-Allow-Methods",
        "Access-Control-Expose-Headers",
        "Access-Control-Max-Age",
        "Server",
        "X-Powered-By",
    ];

    // Request headers a client could use to pose as the gateway or as a proxy in front of it.
    private static readonly string[] SpoofableRequestHeaders = ["Forwarded", "X-Original-For", "X-Original-Proto", "X-Original-Host", "X-Real-IP"];

    /// <summary>How often the service URLs' host names are resolved again.</summary>
    public static readonly TimeSpan DiscoveryRefresh = TimeSpan.FromSeconds(15);

    public static IServiceCollection AddGatewayProxy(this IServiceCollection services, GatewaySettings settings, bool telemetryExported)
    {
        services.AddSingleton<IForwarderHttpClientFactory>(provider => new GatewayHttpClientFactory(
            telemetryExported,
            provider.GetService<InternalCertificates>()
        ));
        services
            .AddReverseProxy()
            .LoadFromMemory(GatewayRoutes.Routes, GatewayRoutes.Clusters(settings))
            // A service URL may name a host with several addresses (docker compose --scale, a Kubernetes headless
            // service): each address is a replica, and the name is resolved again every 15 s.
            .AddDnsDestinationResolver(options => options.RefreshPeriod = DiscoveryRefresh)
            .AddTransforms(context =>
            {
                // X-Forwarded-For/Proto/Host are what the gateway saw; whatever the client sent is replaced.
                context.AddXForwarded(ForwardedTransformActions.Set);
                context.AddRequestTransform(TokenForwarding.ApplyAsync);
                if (!telemetryExported)
                {
                    context.AddRequestTransform(TraceContextForwarding.ApplyAsync);
                }

                foreach (var header in SpoofableRequestHeaders)
                {
                    context.AddRequestHeaderRemove(header);
                }

                foreach (var header in GatewayOwnedResponseHeaders)
                {
                    context.AddResponseHeaderRemove(header, ResponseCondition.Always);
                }
            });

        // The proxy's own spans (one per forwarded request, with the destination chosen), when traces are exported.
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource("Yarp.ReverseProxy"));

        var health = services.AddHealthChecks();
        foreach (var cluster in new[] { GatewayRoutes.AuthCluster, GatewayRoutes.RecordingsCluster })
        {
            health.Add(
                new HealthCheckRegistration(
                    cluster,
                    provider => new ClusterHealthCheck(provider.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>(), cluster),
                    failureStatus: null,
                    tags: null
                )
            );
        }

        services.AddSingleton<ClusterMetrics>();

        return services;
    }

    public static WebApplication MapGatewayProxy(this WebApplication app)
    {
        app.Services.GetRequiredService<ClusterMetrics>(); // its gauges exist from now on
        app.MapReverseProxy(proxy =>
            {
                proxy.Use(ProxyErrorMiddleware.InvokeAsync);
                proxy.UseSessionAffinity();
                proxy.Use(RetryMiddleware.InvokeAsync);
                proxy.UseLoadBalancing();
                proxy.UsePassiveHealthChecks();
            })
            .ConfigureEndpoints(GatewayRoutes.AddFacts);
        return app;
    }
}
