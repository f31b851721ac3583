using AuthService;
using AuthService.Commands;
using AuthService.Configuration;
using Platform.Security.InternalTls;
using Platform.Storage.Database;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Health;
using ServiceDefaults.Hosting;
using ServiceDefaults.Http;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;
using ServiceDefaults.Telemetry;

if (HealthProbe.IsCommand(args))
{
    return await HealthProbe.RunForServiceAsync(AuthSettings.DefaultUrl, Console.Out);
}

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.UseDefaultUrl(AuthSettings.DefaultUrl);
    var settings = builder.AddSettings(AuthSettings.Read);
    builder.ListenForMetrics(settings.Metrics);
    builder.ClaimSqliteDataDirectory(settings.Database);
    builder.AddInternalTls(settings.InternalTls);
    builder.AddGracefulDrain(settings.Drain);
    builder.Services.AddClientIp(settings.TrustedProxies, forwardedByGateway: true);
    builder.AddAuthService(settings);

    var app = builder.Build();

    // The scrape port answers on its own; before anything reads the request (its X-Forwarded-For first), only the
    // platform's own processes get further.
    app.UseMetricsPort();
    app.UseInternalTls(settings.InternalTls);
    app.UseClientIp();
    app.UseRequestLogging();
    app.UseProblemResponses();
    app.UseRouting();
    app.UseBodyLimits();
    app.UseAuthentication();
    app.UseAuthorization();

    app.MapDefaultEndpoints();
    app.MapAuthService();

    app.Run();
});

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
