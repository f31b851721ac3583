using AuthService;
using AuthService.Commands;
using AuthService.Configuration;
using Platform.Security.InternalTls;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Hosting;
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
    builder.UseDefaultUrl(AuthSettings.DefaultUrl);
    var settings = builder.AddSettings(AuthSettings.Read);
    builder.AddInternalTls(settings.InternalTls);
    builder.AddGracefulDrain(settings.Drain);
    builder.Services.AddClientIp(settings.TrustedProxies, forwardedByGateway: true);
    builder.AddAuthService(settings);

    var app = builder.Build();

    // Before anything reads the request (its X-Forwarded-For first): only the platform's own processes get further.
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
