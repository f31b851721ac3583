using System.Diagnostics.Metrics;
using Platform.Security.Monitoring;
using Platform.Security.Tokens;
using ServiceDefaults.Networking;
using ServiceDefaults.Telemetry;

namespace Gateway.SecurityEvents;

/// <summary>
/// Counts every 401, 403 and 429 (metric <c>gateway.security.refusals</c>, by route, status and reason) and warns
/// once a minute about a client IP that collects <see cref="BurstThreshold"/> refusals within a minute.
/// </summary>
internal sealed partial class SecurityEventsMiddleware
{
    public const string MeterName = TelemetryExtensions.MeterPrefix + "Gateway";
    public const int BurstThreshold = 20;
    public static readonly TimeSpan BurstWindow = TimeSpan.FromMinutes(1);

    private readonly RequestDelegate _next;
    private readonly Counter<long> _refusals;
    private readonly BurstDetector _bursts;
    private readonly ILogger<SecurityEventsMiddleware> _logger;

    public SecurityEventsMiddleware(RequestDelegate next, IMeterFactory meters, RefusalBursts bursts, ILogger<SecurityEventsMiddleware> logger)
    {
        _next = next;
        _refusals = meters.Create(MeterName).CreateCounter<long>("gateway.security.refusals", description: "Requests refused with 401, 403 or 429");
        _bursts = bursts.Detector;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        await _next(context);
        var status = context.Response.StatusCode;
        if (status is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests))
        {
            return;
        }

        var reason =
            context.Items.TryGetValue(PlatformAuthentication.RefusalReasonItem, out var value) && value is string text
                ? text
                : status switch
                {
                    StatusCodes.Status401Unauthorized => "unauthenticated",
                    StatusCodes.Status403Forbidden => "forbidden",
                    _ => "rate-limit",
                };
        var route = context.GetEndpoint()?.DisplayName ?? "(none)";
        _refusals.Add(1, new("route", route), new("status", status), new("reason", reason));

        var client = ClientKey.For(context.Connection.RemoteIpAddress);
        if (_bursts.Record(client))
        {
            LogBurst(client, BurstThreshold, reason, route);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Burst of refused requests from {ClientIp}: {Count} within a minute (latest: {Reason} on {Route})"
    )]
    private partial void LogBurst(string clientIp, int count, string reason, string route);
}

/// <summary>Refusals per client within a minute; a singleton, so its memory is bounded and its sweeping timer disposed.</summary>
internal sealed class RefusalBursts(TimeProvider time) : IDisposable
{
    public BurstDetector Detector { get; } = new(SecurityEventsMiddleware.BurstThreshold, SecurityEventsMiddleware.BurstWindow, time);

    public void Dispose() => Detector.Dispose();
}

internal static class SecurityEventsExtensions
{
    public static IServiceCollection AddSecurityEvents(this IServiceCollection services) => services.AddSingleton<RefusalBursts>();

    public static WebApplication UseSecurityEvents(this WebApplication app)
    {
        app.UseMiddleware<SecurityEventsMiddleware>();
        return app;
    }
}
