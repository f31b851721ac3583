using Gateway.ApiDocs;
using Gateway.Authorization;
using Gateway.Configuration;
using Gateway.Cors;
using Gateway.Dashboard;
using Gateway.Draining;
using Gateway.Https;
using Gateway.OriginChecks;
using Gateway.Proxy;
using Gateway.RateLimiting;
using Gateway.Routing;
using Gateway.SecurityEvents;
using Gateway.SecurityHeaders;
using Gateway.Tls;
using Gateway.Webhooks;
using Platform.Security.InternalTls;
using Platform.Security.Tokens;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Health;
using ServiceDefaults.Hosting;
using ServiceDefaults.Http;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;
using ServiceDefaults.Redis;
using ServiceDefaults.Telemetry;

// The build's step (Gateway.csproj): the dashboard's assets under content-hashed names, beside the assembly.
if (args is ["fingerprint-assets", var webRoot, var destination])
{
    DashboardAssets.Write(webRoot, destination);
    return 0;
}

// The container image's HEALTHCHECK: readiness on this gateway's own HTTPS port, its own certificate expected.
if (HealthProbe.IsCommand(args))
{
    var port = Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } configured ? configured : "4000";
    return await HealthProbe.RunAsync(
        new Uri($"https://127.0.0.1:{port}{HealthEndpoints.ReadyPath}"),
        Environment.GetEnvironmentVariable("TLS_CERT_PATH"),
        Console.Out
    );
}

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    var settings = builder.AddSettings(GatewaySettings.Read);
    builder.AddTlsListeners(settings);
    builder.AddGracefulDrain(settings.Drain);
    builder.Services.AddClientIp(settings.TrustedProxies);
    builder.Services.AddGatewayCors(settings);
    builder.Services.AddSecurityEvents();
    builder.Services.AddRedis(settings.Redis);
    builder.Services.AddGatewayRateLimits(shared: settings.Redis is not null);
    builder.Services.AddInternalTlsClient(settings.InternalTls);
    builder.Services.AddPlatformJwtBearer(settings.Verifier);
    builder.Services.AddPlatformAuthorization();
    builder.Services.AddGatewayProxy(settings, TelemetryExtensions.IsExported(builder.Configuration));
    builder.Services.AddDashboard(settings.CdnBaseUrl);
    builder.Services.AddApiDocs();

    var app = builder.Build();

    // Order matters: the scrape port answers on its own, before everything. Then the client IP (logs and limits use
    // it); a draining gateway tells HTTP/1.1 clients to reconnect elsewhere and wraps WebSocket tunnels so it can close
    // them; refusals are counted and every response gets the security headers, errors included; plain HTTP only
    // redirects; CORS answers preflights. Then routing: every later step acts on the route the request reached (its
    // body limit, applied by routing before anything reads a body; its rate-limit policy; its authorization policy),
    // never on the path's spelling. A callback from an address outside TWILIO_WEBHOOK_ALLOWED_IPS is refused first.
    // The origin checks (CSRF, WebSocket) and the rate limits come before any token is verified; the second-factor
    // slowdown, which needs the user, after.
    app.UseMetricsPort();
    app.UseClientIp();
    app.UseRequestLogging();
    app.UseGatewayDrain();
    app.UseSecurityEvents();
    app.UseSecurityHeaders();
    app.UseProblemResponses();
    app.UseHttpsOnly();
    app.UseGatewayCors();
    app.UseRouting();
    app.UseWebhookSourceAllowlist(settings.WebhookAllowedSources);
    app.UseBodyLimits();
    app.UseOriginChecks();
    app.UseGatewayRateLimits();
    app.UseAuthentication();
    app.UseAuthorization();
    app.UseSecondFactorSlowdown();

    app.MapDefaultEndpoints().WithMetadata(RouteFacts.NotLimited);
    app.MapDashboard();
    app.MapApiDocs();
    app.MapGatewayProxy();

    app.Run();
});

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
