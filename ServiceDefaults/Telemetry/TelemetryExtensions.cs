using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServiceDefaults.Configuration;

namespace ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Prefix of every meter the services define; all are exported.</summary>
    public const string MeterPrefix = "RecordingsPlatform.";

    /// <summary>
    /// Metrics (incoming and outgoing HTTP, the .NET runtime, the process, the platform's own meters, Npgsql and Redis
    /// when used) for Prometheus on METRICS_PORT and over OTLP; traces (incoming, outgoing, YARP, Npgsql, Redis) over
    /// OTLP only. OTLP is on when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the standard OTEL_* variables
    /// itself). With neither, nothing is collected: spans and aggregations nobody reads would cost every request CPU
    /// and allocations. Trace context flows either way: ASP.NET Core continues an incoming <c>traceparent</c> and
    /// HttpClient passes it on, so one trace spans gateway and services.
    /// </summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        // A bad METRICS_PORT is reported with the service's own settings; here it only means no scrape endpoint.
        var metrics = MetricsSettings.Read(new SettingsReader(builder.Configuration, builder.Environment));
        builder.Services.AddSingleton(metrics);
        var exported = IsExported(builder.Configuration);
        if (!exported && metrics.Port is null)
        {
            return builder;
        }

        var telemetry = builder
            .Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(meters =>
            {
                meters
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddProcessInstrumentation()
                    .AddMeter(MeterPrefix + "*");
                if (metrics.Port is not null)
                {
                    meters.AddPrometheusExporter();
                }
            });

        if (exported)
        {
            telemetry
                .WithTracing(tracing =>
                    tracing
                        .AddAspNetCoreInstrumentation(options => options.Filter = context => !Health.HealthEndpoints.IsProbe(context.Request.Path))
                        .AddHttpClientInstrumentation()
                )
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>True when traces, metrics and logs leave the process over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT is set).</summary>
    public static bool IsExported(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}
