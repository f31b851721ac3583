using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace Gateway.Proxy;

/// <summary>Ready while the cluster has a healthy destination; reports counts, never addresses.</summary>
internal sealed class ClusterHealthCheck(IProxyStateLookup proxy, string clusterId) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxy.TryGetCluster(clusterId, out var cluster))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not configured"));
        }

        var state = cluster.DestinationsState;
        var description = $"{state.AvailableDestinations.Count} of {state.AllDestinations.Count} destinations healthy";
        return Task.FromResult(state.AvailableDestinations.Count > 0
            ? HealthCheckResult.Healthy(description)
            : HealthCheckResult.Unhealthy(description));
    }
}
