using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Configuration;

namespace Platform.Storage.Database;

/// <summary>
/// An embedded SQLite database serves one running replica: two processes sharing a DATA_DIR (two containers on one
/// volume, say) would each keep their own live events, spool and caches over one file. The service holds an exclusive
/// lock on <c>DATA_DIR/{service}.lock</c> while it runs (the kernel releases it however the process ends); a second
/// replica on the same files stops at start-up with a clear message and exit code 78. The command line (migrate, keys,
/// sessions) takes no lock: it runs beside the service. With DATABASE_URL there is nothing to guard.
/// </summary>
public static class SqliteSingleReplica
{
    public static WebApplicationBuilder ClaimSqliteDataDirectory(this WebApplicationBuilder builder, DatabaseSettings settings)
    {
        if (settings.IsPostgres)
        {
            return builder;
        }

        var service = builder.Environment.ApplicationName;
        var path = Path.Combine(settings.DataDirectory, $"{service}.lock");
        FileStream claim;
        try
        {
            // FileShare.None is an exclusive flock(2) on Linux, seen by every process on the same file system.
            claim = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new SettingsException(
                $"{service} cannot start: another {service} is running on the SQLite database in DATA_DIR {settings.DataDirectory}."
                    + Environment.NewLine
                    + "  SQLite serves one replica. To run several, give every replica DATABASE_URL (PostgreSQL);"
                    + Environment.NewLine
                    + "  with docker compose: docker compose -f docker-compose.yml -f docker-compose.scale.yml up."
                    + Environment.NewLine
            );
        }

        // A hosted service is resolved by the host, so the container disposes it (releasing the lock) with the host.
        builder.Services.AddHostedService(_ => new Claim(claim));
        return builder;
    }

    private sealed class Claim(FileStream file) : IHostedService, IDisposable
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => file.Dispose();
    }
}
