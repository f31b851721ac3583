using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServiceDefaults.Health;

public static class HealthEndpoints
{
    /// <summary>Tag of checks that only say the process lives (<c>/health</c>); every check counts for <c>/health/ready</c>.</summary>
    public const string LiveTag = "live";

    public static IHealthChecksBuilder AddDefaultHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

    /// <summary>
    /// <c>/health</c>: 200 <c>{"status":"Healthy"}</c> while the process lives. <c>/health/ready</c>: 200 or 503 with each
    /// check's name and state. Neither names an address or an exception message. Not cached.
    /// </summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = WriteStatusOnly,
        }).DisableHttpMetrics();

        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            ResponseWriter = WriteWithChecks,
        }).DisableHttpMetrics();

        return app;
    }

    private static Task WriteStatusOnly(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new HealthStatus(report.Status.ToString()), HealthJsonContext.Default.HealthStatus);

    private static Task WriteWithChecks(HttpContext context, HealthReport report)
    {
        var checks = report.Entries
            .Where(entry => entry.Key != "self")
            .ToDictionary(entry => entry.Key, entry => new HealthCheckState(entry.Value.Status.ToString(), entry.Value.Description));
        return context.Response.WriteAsJsonAsync(new ReadinessStatus(report.Status.ToString(), checks), HealthJsonContext.Default.ReadinessStatus);
    }
}

public sealed record HealthStatus(string Status);

public sealed record HealthCheckState(string Status, string? Description);

public sealed record ReadinessStatus(string Status, IReadOnlyDictionary<string, HealthCheckState> Checks);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthStatus))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReadinessStatus))]
internal sealed partial class HealthJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
