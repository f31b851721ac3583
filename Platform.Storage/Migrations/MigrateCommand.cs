using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Storage.Database;
using ServiceDefaults.Configuration;

namespace Platform.Storage.Migrations;

/// <summary><c>migrate</c>: applies a service's pending migrations and says which, as an operator runs it before a rollout.</summary>
public static class MigrateCommand
{
    /// <summary>
    /// <c>SERVICE migrate</c>: the service's registrations built as <paramref name="addService"/> makes them (its settings
    /// read as the service reads them; nothing started, nothing logged to standard output), then its database migrated.
    /// </summary>
    /// <returns>As <see cref="RunAsync"/>; 78 for a configuration problem, printed like the service's own.</returns>
    public static async Task<int> RunForServiceAsync<TDatabase>(Action<WebApplicationBuilder> addService, TextWriter output, TextWriter error)
        where TDatabase : ServiceDatabase
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        try
        {
            addService(builder);
        }
        catch (SettingsException ex)
        {
            await error.WriteAsync(ex.Message);
            return SettingsExtensions.ConfigurationErrorExitCode;
        }

        await using var app = builder.Build();
        return await RunAsync(app.Services.GetRequiredService<TDatabase>(), output, error);
    }

    /// <returns>0 when the database is up to date; 69 (unavailable) when it cannot be reached.</returns>
    public static async Task<int> RunAsync(
        ServiceDatabase database,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken = default
    )
    {
        try
        {
            var applied = await database.MigrateAsync(cancellationToken);
            foreach (var migration in applied)
            {
                await output.WriteLineAsync($"applied {migration.Component}/{migration.Id}");
            }

            await output.WriteLineAsync($"{database.Description}: up to date ({applied.Count} applied now, {database.Migrations.Count} in all).");
            return 0;
        }
        catch (Exception ex) when (DatabaseFaults.IsInfrastructure(ex))
        {
            await error.WriteLineAsync($"{database.Description} cannot be reached or written: {ex.Message}");
            return 69;
        }
    }
}
