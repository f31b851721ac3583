using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Services.Tests.Infrastructure;

/// <summary>
/// A service (AuthService or RecordingsService, chosen by a type from its assembly) in memory, with its own
/// temporary DATA_DIR and settings passed as configuration, so factories run side by side.
/// </summary>
public sealed class ServiceFactory<TEntryPoint>(IDictionary<string, string>? settings = null, string environment = "Development")
    : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("service-data-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.UseSetting("DATA_DIR", DataDirectory);
        builder.UseSetting("SHUTDOWN_DRAIN_SECONDS", "0"); // no drain when a test is over
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
