using AuthService;
using AuthService.Commands;
using AuthService.Configuration;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Http;
using ServiceDefaults.Logging;
using ServiceDefaults.Networking;

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}

return StartupGuard.Run(() =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddServiceDefaults();
    builder.UseDefaultUrl("http://127.0.0.1:5001");
    var settings = builder.AddSettings(AuthSettings.Read);
    builder.Services.AddClientIp(settings.TrustedProxies, forwardedByGateway: true);
    builder.AddAuthService(settings);

    var app = builder.Build();

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
