using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Prefix of every meter the services define; all are exported.</summary>
    public const string MeterPrefix = "RecordingsPlatform.";

    /// <summary>
    /// Traces and metrics for incoming (ASP.NET Core) and outgoing (HttpClient, YARP) calls, exported over OTLP when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the standard OTEL_* variables itself). Without an
    /// endpoint nothing is collected: recording spans and aggregating metrics that nobody receives cost every
    /// request CPU and allocations. Trace context still flows either way: ASP.NET Core continues an incoming
    /// <c>traceparent</c> and HttpClient passes it on, so one trace spans gateway and services.
    /// </summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        if (!IsExported(builder.Configuration))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !Health.HealthEndpoints.IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(MeterPrefix + "*"))
            .UseOtlpExporter();

        return builder;
    }

    /// <summary>True when traces and metrics leave the process (OTEL_EXPORTER_OTLP_ENDPOINT is set).</summary>
    public static bool IsExported(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}
