using Platform.Storage.Database;

namespace Platform.Storage.Migrations;

/// <summary><c>migrate</c>: applies a service's pending migrations and says which, as an operator runs it before a rollout.</summary>
public static class MigrateCommand
{
    /// <returns>0 when the database is up to date; 69 (unavailable) when it cannot be reached.</returns>
    public static async Task<int> RunAsync(ServiceDatabase database, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
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
