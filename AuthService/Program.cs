using AuthService;
using AuthService.Commands;
using AuthService.Configuration;
using Platform.Security.InternalTls;
using Platform.Storage.Database;
using ServiceDefaults;
using ServiceDefaults.Configuration;
using ServiceDefaults.Health;

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
    builder.AddInternalService(settings.Service);
    builder.ClaimSqliteDataDirectory(settings.Database);
    builder.AddAuthService(settings);

    var app = builder.Build();

    app.UseInternalService(settings.Service);
    app.UseAuthentication();
    app.UseAuthorization();

    app.MapDefaultEndpoints();
    app.MapAuthService();

    app.Run();
});

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
