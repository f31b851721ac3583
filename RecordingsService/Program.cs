using RecordingsService;
using RecordingsService.Configuration;
using RecordingsService.LiveEvents;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Http;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.UseDefaultUrl("http://127.0.0.1:5002");
    var settings = builder.AddSettings(RecordingsSettings.Read);
    builder.Services.AddClientIp(settings.TrustedProxies, forwardedByGateway: true);
    builder.AddRecordingsService(settings);

    var app = builder.Build();

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
