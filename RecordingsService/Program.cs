using RecordingsService;
using RecordingsService.Configuration;
using RecordingsService.LiveEvents;
using Platform.Security.InternalTls;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Http;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.UseDefaultUrl(RecordingsSettings.DefaultUrl);
    var settings = builder.AddSettings(RecordingsSettings.Read);
    builder.AddInternalTls(settings.InternalTls);
    builder.Services.AddClientIp(settings.TrustedProxies, forwardedByGateway: true);
    builder.AddRecordingsService(settings);

    var app = builder.Build();

    // Before anything reads the request (its X-Forwarded-For first): only the platform's own processes get further.
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
