using Gateway.Authorization;
using Gateway.BodyLimits;
using Gateway.Configuration;
using Gateway.Cors;
using Gateway.Dashboard;
using Gateway.Https;
using Gateway.OriginChecks;
using Gateway.Proxy;
using Gateway.RateLimiting;
using Gateway.SecurityEvents;
using Gateway.SecurityHeaders;
using Gateway.Tls;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;
using Platform.Security.Tokens;

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    var settings = builder.AddSettings(GatewaySettings.Read);
    builder.AddTlsListeners(settings);
    builder.Services.AddClientIp(settings.TrustedProxies);
    builder.Services.AddGatewayCors(settings);
    builder.Services.AddGatewayRateLimits();
    builder.Services.AddPlatformJwtBearer(settings.Verifier);
    builder.Services.AddPlatformAuthorization();
    builder.Services.AddGatewayProxy(settings);

    var app = builder.Build();

    // Order matters: the client IP first (logs and limits use it); refusals are counted and every response gets
    // the security headers, errors included; plain HTTP only redirects; then CORS, the origin checks (CSRF,
    // WebSocket), the rate limits (before any token is verified), the dashboard's files (/app/ needs a session),
    // and the routed endpoints with their authorization policies.
    app.UseClientIp();
    app.UseRequestLogging();
    app.UseSecurityEvents();
    app.UseSecurityHeaders();
    app.UseProblemResponses();
    app.UseHttpsOnly();
    app.UseGatewayCors();
    app.UseOriginChecks();
    app.UseGatewayRateLimits();
    app.UseDashboardGuard();
    app.UseDashboard();
    app.UseRouting();
    app.UseRequestBodyLimits();
    app.UseAuthentication();
    app.UseAuthorization();

    app.MapDefaultEndpoints();
    app.MapGatewayProxy();

    app.Run();
});

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
