using Gateway.BodyLimits;
using Gateway.Configuration;
using Gateway.Cors;
using Gateway.Dashboard;
using Gateway.Https;
using Gateway.Proxy;
using Gateway.SecurityHeaders;
using Gateway.Tls;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    var settings = builder.AddSettings(GatewaySettings.Read);
    builder.AddTlsListeners(settings);
    builder.Services.AddClientIp(settings.TrustedProxies);
    builder.Services.AddGatewayCors(settings);
    builder.Services.AddGatewayProxy(settings);

    var app = builder.Build();

    // Order matters: the client IP first (logs use it), headers on every response (errors included),
    // plain HTTP only redirects, then CORS, the dashboard's files, and the routed endpoints.
    app.UseClientIp();
    app.UseRequestLogging();
    app.UseSecurityHeaders();
    app.UseProblemResponses();
    app.UseHttpsOnly();
    app.UseGatewayCors();
    app.UseDashboard();
    app.UseRouting();
    app.UseRequestBodyLimits();

    app.MapDefaultEndpoints();
    app.MapGatewayProxy();

    app.Run();
});

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
