using Gateway.Configuration;
using Gateway.Tls.SessionTickets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.Security.Tls;

namespace Gateway.Tls;

internal static class TlsExtensions
{
    /// <summary>
    /// Kestrel listeners: HTTPS on PORT with the reloadable certificate, plain HTTP on HTTP_PORT (redirects only), and
    /// plain HTTP on METRICS_PORT when set (the scrape endpoint only).
    /// </summary>
    public static WebApplicationBuilder AddTlsListeners(this WebApplicationBuilder builder, GatewaySettings settings)
    {
        builder.Services.AddSingleton(services => new CertificateStore(
            settings.CertificatePath,
            settings.KeyPath,
            services.GetRequiredService<ILogger<CertificateStore>>(),
            services.GetRequiredService<CertificateExpiry>()
        ));
        builder.Services.TryAddSingleton<CertificateExpiry>();
        builder.Services.AddHealthChecks().AddCheck<CertificateHealthCheck>("certificate");
        if (settings.TicketKeyFile is not null || settings.Redis is not null)
        {
            builder.Services.AddSingleton(services => new SharedTicketKeys(
                services.GetRequiredService<CertificateStore>(),
                settings.TicketKeyFile,
                settings.TicketKeyFile is null
                    ? new RedisTicketKeys(services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>())
                    : null,
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<SharedTicketKeys>>()
            ));
            builder.Services.AddHostedService(services => services.GetRequiredService<SharedTicketKeys>());
            builder.Services.AddHealthChecks().AddCheck<SharedTicketKeysHealthCheck>("tls-session-tickets", HealthStatus.Degraded);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = Routing.GatewayRoutes.MaxRequestBodyBytes;
            var certificates = kestrel.ApplicationServices.GetRequiredService<CertificateStore>();
            var ticketKeys = kestrel.ApplicationServices.GetService<SharedTicketKeys>();
            kestrel.ListenAnyIP(settings.HttpsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(
                    new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _ => ValueTask.FromResult(certificates.CreateServerOptions()),
                        HandshakeTimeout = TimeSpan.FromSeconds(10),
                    }
                );
                listen.Use(CloseNotify.SendOnClose);
                if (ticketKeys is not null)
                {
                    listen.Use(ticketKeys.OnConnection);
                }
            });
            kestrel.ListenAnyIP(settings.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
            if (settings.MetricsPort is { } metricsPort)
            {
                kestrel.ListenAnyIP(metricsPort, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

        return builder;
    }
}
