using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServiceDefaults.Health;
using ServiceDefaults.Logging;
using ServiceDefaults.Telemetry;

namespace ServiceDefaults;

/// <summary>What every service shares: logging, tracing and metrics, problem details, health endpoints.</summary>
public static class ServiceDefaultsExtensions
{
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddStructuredLogging();
        builder.AddTelemetry();
        builder.Services.AddHostedService<Memory.NativeMemoryTrimmer>();
        builder.Services.AddDefaultHealthChecks();
        builder.Services.AddExceptionHandler<Http.BadRequestExceptionHandler>();
        builder.Services.AddProblemDetails(options =>
            options.CustomizeProblemDetails = context =>
            {
                // Exception text and stack traces stay in the log, never in a response.
                context.ProblemDetails.Detail = context.Exception is null ? context.ProblemDetails.Detail : null;
                context.ProblemDetails.Extensions.Remove("exception");
            }
        );
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.ConfigureHttpJsonOptions(options => Http.ApiJson.Configure(options.SerializerOptions));
        return builder;
    }

    /// <summary>Listens on <paramref name="url"/> unless ASPNETCORE_URLS (or <c>--urls</c>) says otherwise.</summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder, string url)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(url);
        }

        return builder;
    }

    /// <summary>Errors as problem+json: unhandled exceptions become 500, bare error statuses get a body.</summary>
    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>The health probes; returned so a host can add metadata to them.</summary>
    public static IEndpointConventionBuilder MapDefaultEndpoints(this WebApplication app) => app.MapHealthEndpoints();
}
