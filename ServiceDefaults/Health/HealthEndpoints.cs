using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServiceDefaults.Health;

public static class HealthEndpoints
{
    /// <summary>Tag of checks that only say the process lives (<c>/health</c>); every check counts for <c>/health/ready</c>.</summary>
    public const string LiveTag = "live";

    /// <summary>Liveness: 200 while the process lives.</summary>
    public const string LivePath = "/health";

    /// <summary>Readiness: 200 or 503 with each check's state.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>
    /// True for the two probe paths, exactly (any case). For the few places that act before routing (the log level,
    /// tracing, the plain-HTTP redirect); after routing, the endpoint's metadata says it.
    /// </summary>
    public static bool IsProbe(PathString path) =>
        path.Equals(LivePath, StringComparison.OrdinalIgnoreCase) || path.Equals(ReadyPath, StringComparison.OrdinalIgnoreCase);

    public static IHealthChecksBuilder AddDefaultHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

    /// <summary>
    /// <c>/health</c>: 200 <c>{"status":"Healthy"}</c> while the process lives. <c>/health/ready</c>: 200 or 503 with each
    /// check's name and state. Neither names an address or an exception message. Not cached.
    /// </summary>
    /// <returns>Both endpoints, so a host can add its own metadata (the gateway exempts them from rate limits).</returns>
    public static RouteGroupBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var probes = app.MapGroup("");
        probes
            .MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag), ResponseWriter = WriteStatusOnly })
            .DisableHttpMetrics();

        probes.MapHealthChecks(ReadyPath, new HealthCheckOptions { ResponseWriter = WriteWithChecks }).DisableHttpMetrics();

        return probes;
    }

    private static Task WriteStatusOnly(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new HealthStatus(report.Status.ToString()), HealthJsonContext.Default.HealthStatus);

    private static Task WriteWithChecks(HttpContext context, HealthReport report)
    {
        var checks = report
            .Entries.Where(entry => entry.Key != "self")
            .ToDictionary(entry => entry.Key, entry => new HealthCheckState(entry.Value.Status.ToString(), entry.Value.Description));
        return context.Response.WriteAsJsonAsync(new ReadinessStatus(report.Status.ToString(), checks), HealthJsonContext.Default.ReadinessStatus);
    }
}

public sealed record HealthStatus(string Status);

public sealed record HealthCheckState(string Status, string? Description);

public sealed record ReadinessStatus(string Status, IReadOnlyDictionary<string, HealthCheckState> Checks);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(ReadinessStatus))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
