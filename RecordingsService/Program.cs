using RecordingsService;
using RecordingsService.Configuration;
using RecordingsService.LiveEvents;
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
    return await HealthProbe.RunForServiceAsync(RecordingsSettings.DefaultUrl, Console.Out);
}

if (args is ["migrate"])
{
    // Applies the database's pending migrations (DATABASE_URL, else DATA_DIR) and lists them, then exits.
    var exitCode = 0;
    var guarded = StartupGuard.Run(() =>
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        var settings = builder.AddSettings(RecordingsSettings.Read);
        builder.AddRecordingsService(settings);
        using var app = builder.Build();
        exitCode = Platform.Storage.Migrations.MigrateCommand.RunAsync(
            app.Services.GetRequiredService<RecordingsService.Storage.RecordingsDatabase>(), Console.Out, Console.Error).GetAwaiter().GetResult();
    });
    return guarded != 0 ? guarded : exitCode;
}

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.UseDefaultUrl(RecordingsSettings.DefaultUrl);
    var settings = builder.AddSettings(RecordingsSettings.Read);
    builder.ListenForMetrics(settings.Metrics);
    builder.ClaimSqliteDataDirectory(settings.Database);
    builder.AddInternalTls(settings.InternalTls);
    builder.AddGracefulDrain(settings.Drain);
    builder.Services.AddClientIp(settings.TrustedProxies, forwardedByGateway: true);
    builder.AddRecordingsService(settings);

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
    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = LiveEventsEndpoints.PingInterval });
    app.UseAuthentication();
    app.UseAuthorization();

    app.MapDefaultEndpoints();
    app.MapRecordingsService();

    app.Run();
});

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
