using System.Diagnostics.Metrics;
using Gateway.Routing;
using Gateway.SecurityEvents;
using Yarp.ReverseProxy;

namespace Gateway.Proxy;

/// <summary>
/// Each service cluster's destinations as gauges, read when scraped: <c>gateway.cluster.destinations</c> and
/// <c>gateway.cluster.healthy_destinations</c>, by <c>cluster</c>. Zero healthy means that service's routes answer 503.
/// </summary>
internal sealed class ClusterMetrics
{
    public ClusterMetrics(IMeterFactory meters, IProxyStateLookup proxy)
    {
        var meter = meters.Create(SecurityEventsMiddleware.MeterName);
        meter.CreateObservableGauge(
            "gateway.cluster.destinations",
            () => Measure(proxy, healthyOnly: false),
            description: "Destinations (service replicas) known per cluster"
        );
        meter.CreateObservableGauge(
            "gateway.cluster.healthy_destinations",
            () => Measure(proxy, healthyOnly: true),
            description: "Destinations passing health checks per cluster; 0 means the cluster's routes answer 503"
        );
    }

    private static IEnumerable<Measurement<int>> Measure(IProxyStateLookup proxy, bool healthyOnly)
    {
        foreach (var clusterId in new[] { GatewayRoutes.AuthCluster, GatewayRoutes.RecordingsCluster })
        {
            if (proxy.TryGetCluster(clusterId, out var cluster))
            {
                var state = cluster.DestinationsState;
                yield return new Measurement<int>(
                    healthyOnly ? state.AvailableDestinations.Count : state.AllDestinations.Count,
                    new KeyValuePair<string, object?>("cluster", clusterId)
                );
            }
        }
    }
}
