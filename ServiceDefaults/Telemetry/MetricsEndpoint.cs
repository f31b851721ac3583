using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDefaults.Telemetry;

/// <summary>
/// The scrape endpoint: <c>GET /metrics</c> on METRICS_PORT only, plain HTTP, answered before anything else in the
/// pipeline sees the request (no proxying, no client-certificate rule, no request log); every other path on that port
/// is 404, and <c>/metrics</c> on the service's own port is not the scrape endpoint.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>
    /// For a service that listens on URLs (ASPNETCORE_URLS or its default): adds <c>http://*:METRICS_PORT</c> beside
    /// them. Called after the service's settings are read, so its own address checks see only its own URLs.
    /// </summary>
    public static WebApplicationBuilder ListenForMetrics(this WebApplicationBuilder builder, MetricsSettings settings)
    {
        if (settings.Port is not { } port)
        {
            return builder;
        }

        var metricsUrl = $"http://*:{port}";
        if (builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            builder.Configuration["Kestrel:Endpoints:Metrics:Url"] = metricsUrl;
        }
        else
        {
            var urls = builder
                .Configuration[WebHostDefaults.ServerUrlsKey]
                ?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            builder.WebHost.UseUrls([.. urls, metricsUrl]);
        }

        return builder;
    }

    /// <summary>First in the pipeline: requests on METRICS_PORT are answered here and go no further.</summary>
    public static WebApplication UseMetricsPort(this WebApplication app)
    {
        if (app.Services.GetRequiredService<MetricsSettings>().Port is not { } port)
        {
            return app;
        }

        app.MapWhen(
            context => context.Connection.LocalPort == port,
            metrics =>
            {
                metrics.Use(
                    (context, next) =>
                    {
                        // Scrapes are not requests anyone made of the service: they stay out of its request metrics.
                        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags)
                        {
                            tags.MetricsDisabled = true;
                        }

                        return next(context);
                    }
                );
                metrics.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
                    HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals(Path, StringComparison.Ordinal)
                );
                metrics.Run(context =>
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                });
            }
        );
        return app;
    }
}
