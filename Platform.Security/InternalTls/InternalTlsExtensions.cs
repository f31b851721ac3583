using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Platform.Security.Revocation;
using Platform.Security.Tokens;
using ServiceDefaults.Health;
using ServiceDefaults.Http;

namespace Platform.Security.InternalTls;

public static class InternalTlsExtensions
{
    /// <summary>
    /// For a service, when <paramref name="settings"/> is set: Kestrel serves https with the internal certificate and
    /// asks every client for one from the deployment CA; the calls this process makes to other services present it.
    /// </summary>
    public static WebApplicationBuilder AddInternalTls(this WebApplicationBuilder builder, InternalTlsSettings? settings)
    {
        if (settings is null)
        {
            return builder;
        }

        builder.Services.AddInternalTlsClient(settings);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ConfigureHttpsDefaults(kestrel.ApplicationServices.GetRequiredService<InternalCertificates>().ConfigureServer)
        );
        return builder;
    }

    /// <summary>
    /// For any caller of the services, when <paramref name="settings"/> is set: the clients that read the AuthService's
    /// keys and revocation feed present this process's certificate and trust only the deployment CA. (The gateway's
    /// proxy reads <see cref="InternalCertificates"/> from the container for its own connections.)
    /// </summary>
    public static IServiceCollection AddInternalTlsClient(this IServiceCollection services, InternalTlsSettings? settings)
    {
        if (settings is null)
        {
            return services;
        }

        services.AddSingleton(settings);
        services.TryAddSingleton<Tls.CertificateExpiry>();
        services.AddSingleton<InternalCertificates>();
        foreach (var client in new[] { JwksKeyCache.HttpClientName, RevocationFeedFollower.HttpClientName })
        {
            services
                .AddHttpClient(client)
                .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<InternalCertificates>().CreateHandler());
        }

        return services;
    }

    /// <summary>
    /// For a service with internal TLS: a request whose connection presented no certificate from the deployment CA is
    /// answered 403 before anything else reads it (its X-Forwarded-For included). The health probes stay open, so
    /// orchestrators can probe without a certificate. (A certificate from elsewhere already failed the handshake.)
    /// </summary>
    public static WebApplication UseInternalTls(this WebApplication app, InternalTlsSettings? settings)
    {
        if (settings is null)
        {
            return app;
        }

        app.UseMiddleware<PlatformClientsOnly>();
        return app;
    }
}

/// <summary>Answers 403 to a request whose connection presented no deployment certificate (the probes excepted), and logs it.</summary>
internal sealed partial class PlatformClientsOnly(RequestDelegate next, ILogger<PlatformClientsOnly> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Connection.ClientCertificate is not null || HealthEndpoints.IsProbe(context.Request.Path))
        {
            return next(context);
        }

        // The connection's own address: nothing the request says about itself is believed.
        LogRefused(context.Connection.RemoteIpAddress, context.Request.Method);
        return context.WriteProblemAsync(
            StatusCodes.Status403Forbidden,
            "Forbidden",
            "This service accepts only the platform's own processes: connect through the gateway."
        );
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Internal TLS: refused a {Method} request from {RemoteAddress} that presented no certificate of the deployment CA"
    )]
    private partial void LogRefused(IPAddress? remoteAddress, string method);
}
