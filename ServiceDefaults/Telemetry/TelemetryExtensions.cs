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
    /// Traces and metrics for incoming (ASP.NET Core) and outgoing (HttpClient, YARP) calls. W3C trace context is
    /// propagated on outgoing calls, so one trace spans gateway and services. Exported over OTLP only when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the standard OTEL_* variables itself).
    /// </summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                // Without an exporter, spans are not recorded (that costs per request for nothing), but trace
                // context is still propagated, so the services' logs and a later exporter see one trace.
                .SetSampler(exporting ? new ParentBasedSampler(new AlwaysOnSampler()) : new AlwaysOffSampler())
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(MeterPrefix + "*"));

        if (exporting)
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }
}
