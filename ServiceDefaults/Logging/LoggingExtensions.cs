using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace ServiceDefaults.Logging;

public static class LoggingExtensions
{
    /// <summary>
    /// Serilog for the host: JSON lines in Production, readable lines in Development. Framework categories that
    /// would print full URLs (query strings can carry secrets) are held at Warning; our request log prints the path only.
    /// </summary>
    public static WebApplicationBuilder AddStructuredLogging(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        var serviceName = builder.Environment.ApplicationName;
        builder.Services.AddSerilog(
            (services, logger) =>
            {
                logger
                    .MinimumLevel.Information()
                    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                    .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                    .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
                    .MinimumLevel.Override("Yarp", LogEventLevel.Warning)
                    // Each failed probe would log a stack trace every interval; the health state changes are logged instead.
                    .MinimumLevel.Override("Yarp.ReverseProxy.Health.ActiveHealthCheckMonitor", LogEventLevel.Error)
                    .ReadFrom.Configuration(builder.Configuration)
                    .Enrich.FromLogContext()
                    .Enrich.WithProperty("Service", serviceName);

                // Formatting and writing happen on a background thread, off the request path. If output cannot keep up
                // (10,000 lines behind), further lines are dropped rather than slowing requests down (in Production the
                // next batch says how many).
                if (development)
                {
                    logger.WriteTo.Async(
                        sink => sink.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Service}: {Message:lj}{NewLine}{Exception}"),
                        bufferSize: 10_000,
                        blockWhenFull: false
                    );
                }
                else
                {
                    logger.WriteTo.Sink(
                        new PeriodicBatchingSink(
                            new StandardOutputSink(new CompactJsonFormatter()),
                            TimeSpan.FromMilliseconds(10),
                            queueLimit: 10_000,
                            batchSizeLimit: 1_000
                        )
                    );
                }

                // Also over OTLP beside standard output when an endpoint is set; the sink reads the standard OTEL_EXPORTER_OTLP_*
                // and OTEL_RESOURCE_ATTRIBUTES/OTEL_SERVICE_NAME settings itself, batches on its own thread and drops
                // rather than blocks when the collector is away.
                if (Telemetry.TelemetryExtensions.IsExported(builder.Configuration))
                {
                    logger.WriteTo.OpenTelemetry(
                        options => options.ResourceAttributes = new Dictionary<string, object> { ["service.name"] = serviceName },
                        name => builder.Configuration[name]
                    );
                }

                // Extra sinks registered by the host (tests capture events this way).
                foreach (var sink in services.GetServices<ILogEventSink>())
                {
                    logger.WriteTo.Sink(sink);
                }
            },
            preserveStaticLogger: true
        ); // each host its own logger: no process-wide Log.Logger to share or overwrite

        var serilogFactory = builder.Services.Last(service => service.ServiceType == typeof(ILoggerFactory));
        builder.Services.Remove(serilogFactory);
        builder.Services.AddSingleton<ILoggerFactory>(services => new CachingLoggerFactory(
            (ILoggerFactory)(
                serilogFactory.ImplementationFactory?.Invoke(services)
                ?? serilogFactory.ImplementationInstance
                ?? throw new InvalidOperationException("Serilog's logger factory is registered in an unexpected way.")
            )
        ));

        return builder;
    }

    /// <summary>One line per request (<see cref="RequestLogMiddleware"/>): no header, no query string.</summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseMiddleware<RequestLogMiddleware>(app.Services.GetRequiredService<Serilog.ILogger>());
        return app;
    }
}
