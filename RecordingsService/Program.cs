using RecordingsService.Configuration;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.UseDefaultUrl("http://127.0.0.1:5002");
    var settings = builder.AddSettings(RecordingsSettings.Read);
    builder.Services.AddClientIp(settings.TrustedProxies, forwardedByGateway: true);

    var app = builder.Build();

    app.UseClientIp();
    app.UseRequestLogging();
    app.UseProblemResponses();

    app.MapDefaultEndpoints();

    app.Run();
});

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
