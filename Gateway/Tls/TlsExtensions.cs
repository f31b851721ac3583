using Gateway.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gateway.Tls;

internal static class TlsExtensions
{
    /// <summary>Kestrel listeners: HTTPS on PORT with the reloadable certificate, plain HTTP on HTTP_PORT (redirects only).</summary>
    public static WebApplicationBuilder AddTlsListeners(this WebApplicationBuilder builder, GatewaySettings settings)
    {
        builder.Services.AddSingleton(services =>
            new CertificateStore(settings.CertificatePath, settings.KeyPath, services.GetRequiredService<ILogger<CertificateStore>>()));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = Routing.GatewayRoutes.MaxRequestBodyBytes;
            var certificates = kestrel.ApplicationServices.GetRequiredService<CertificateStore>();
            kestrel.ListenAnyIP(settings.HttpsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(certificates.CreateServerOptions()),
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                });
                listen.Use(CloseNotify.SendOnClose);
            });
            kestrel.ListenAnyIP(settings.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
        });

        return builder;
    }
}
