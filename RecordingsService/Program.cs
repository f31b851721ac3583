using Platform.Security.InternalTls;
using Platform.Storage.Database;
using Platform.Storage.Migrations;
using RecordingsService;
using RecordingsService.Configuration;
using RecordingsService.LiveEvents;
using RecordingsService.Storage;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Health;

if (HealthProbe.IsCommand(args))
{
    return await HealthProbe.RunForServiceAsync(RecordingsSettings.DefaultUrl, Console.Out);
}

if (args is ["migrate"])
{
    // Applies the database's pending migrations (DATABASE_URL, else DATA_DIR) and lists them, then exits.
    return await MigrateCommand.RunForServiceAsync<RecordingsDatabase>(
        builder => builder.AddRecordingsService(builder.AddSettings(RecordingsSettings.Read)),
        Console.Out,
        Console.Error
    );
}

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.UseDefaultUrl(RecordingsSettings.DefaultUrl);
    var settings = builder.AddSettings(RecordingsSettings.Read);
    builder.AddInternalService(settings.Service);
    builder.ClaimSqliteDataDirectory(settings.Database);
    builder.AddRecordingsService(settings);

    var app = builder.Build();

    app.UseInternalService(settings.Service);
    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = LiveEventsEndpoints.PingInterval });
    app.UseAuthentication();
    app.UseAuthorization();

    app.MapDefaultEndpoints();
    app.MapRecordingsService();

    app.Run();
});

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
