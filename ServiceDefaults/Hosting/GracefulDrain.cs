using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDefaults.Configuration;

namespace ServiceDefaults.Hosting;

/// <summary>
/// Graceful drain: on SIGTERM (or Ctrl-C) the service answers <c>/health/ready</c> 503 at once, so the gateway stops
/// sending it new requests after its next probe, but keeps serving for SHUTDOWN_DRAIN_SECONDS (by default longer
/// than the gateway's health interval); then <see cref="Drained"/> fires (live-event sockets close with 1001, so
/// dashboards reconnect to another replica) and the server stops, finishing the requests in flight.
/// </summary>
public sealed partial class GracefulDrain(IHostApplicationLifetime lifetime, DrainSettings settings, ILogger<GracefulDrain> logger)
    : IHostedService,
        IDisposable
{
    private readonly CancellationTokenSource _drained = new();
    private CancellationTokenRegistration _registration;

    /// <summary>True from the stop signal on.</summary>
    public bool IsDraining => lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>Cancelled when the drain is over and the service is about to stop.</summary>
    public CancellationToken Drained => _drained.Token;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // ApplicationStopping's callbacks run before the host stops anything, the server included: blocking here keeps
        // the service serving for the drain.
        _registration = lifetime.ApplicationStopping.Register(Drain);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Drain()
    {
        if (settings.Drain > TimeSpan.Zero)
        {
            LogDraining(settings.Drain.TotalSeconds);
            Thread.Sleep(settings.Drain);
        }

        _drained.Cancel();
    }

    public void Dispose()
    {
        _registration.Dispose();
        _drained.Dispose();
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Stopping: not ready from now, still serving for {Seconds} s so the gateway moves traffic away first"
    )]
    private partial void LogDraining(double seconds);
}

/// <summary>SHUTDOWN_DRAIN_SECONDS: 15 by default (the gateway probes every 10 s), 0 in Development (Ctrl-C stops at once).</summary>
public sealed record DrainSettings(TimeSpan Drain)
{
    public static DrainSettings Read(SettingsReader reader) =>
        new(TimeSpan.FromSeconds(reader.Number("SHUTDOWN_DRAIN_SECONDS", reader.IsProduction ? 15 : 0, 0, 300)));
}

public static class GracefulDrainExtensions
{
    public static WebApplicationBuilder AddGracefulDrain(this WebApplicationBuilder builder, DrainSettings settings)
    {
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<GracefulDrain>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<GracefulDrain>());
        // The drain happens inside the shutdown: give the rest of the stop its usual 30 s on top.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = settings.Drain + TimeSpan.FromSeconds(30));
        builder.Services.AddHealthChecks().AddCheck<DrainHealthCheck>("drain");
        return builder;
    }
}

/// <summary>Unhealthy (readiness 503) from the stop signal on.</summary>
internal sealed class DrainHealthCheck(GracefulDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("stopping") : HealthCheckResult.Healthy("serving"));
}
