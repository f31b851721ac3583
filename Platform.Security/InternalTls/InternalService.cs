using Microsoft.AspNetCore.Builder;
using ServiceDefaults;
using ServiceDefaults.Hosting;
using ServiceDefaults.Http;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;
using ServiceDefaults.Telemetry;

namespace Platform.Security.InternalTls;

/// <summary>
/// The start-up the AuthService and the RecordingsService share: a service reached only through the gateway (mutual
/// TLS beyond loopback), that drains on SIGTERM, serves metrics on its own port, believes the gateway's client
/// address, and logs, answers problems and limits bodies as every process does.
/// </summary>
public static class InternalService
{
    /// <summary>After the settings are read, before the service's own registrations.</summary>
    public static WebApplicationBuilder AddInternalService(this WebApplicationBuilder builder, InternalServiceSettings settings)
    {
        builder.ListenForMetrics(settings.Metrics);
        builder.AddInternalTls(settings.InternalTls);
        builder.AddGracefulDrain(settings.Drain);
        builder.Services.AddClientIp(settings.TrustedProxies, forwardedByGateway: true);
        return builder;
    }

    /// <summary>The pipeline up to the endpoints' own concerns: routing and body limits included; authentication not.</summary>
    public static WebApplication UseInternalService(this WebApplication app, InternalServiceSettings settings)
    {
        // The scrape port answers on its own; before anything reads the request (its X-Forwarded-For first), only the
        // platform's own processes get further.
        app.UseMetricsPort();
        app.UseInternalTls(settings.InternalTls);
        app.UseClientIp();
        app.UseRequestLogging();
        app.UseProblemResponses();
        app.UseRouting();
        app.UseBodyLimits();
        return app;
    }
}
