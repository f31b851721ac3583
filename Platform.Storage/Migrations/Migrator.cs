using System.Data.Common;
using Dapper;
using Platform.Storage.Database;

namespace Platform.Storage.Migrations;

/// <summary>
/// Applies migrations in order, each in its own transaction with its row in <c>schema_migrations</c>. Replicas starting
/// together apply each once: on PostgreSQL they queue on an advisory lock (per schema) for the whole run; on SQLite each
/// migration's write transaction (BEGIN IMMEDIATE) re-reads what is applied before applying anything.
/// </summary>
public static class Migrator
{
    private const string Table = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            component  TEXT NOT NULL,
            version    BIGINT NOT NULL,
            name       TEXT NOT NULL,
            applied_at BIGINT NOT NULL,
            PRIMARY KEY (component, version)
        )
        """;

    /// <returns>The migrations applied by this call (none when all were applied already).</returns>
    internal static async Task<IReadOnlyList<Migration>> ApplyAsync(
        ServiceDatabase database,
        IReadOnlyList<Migration> migrations,
        CancellationToken cancellationToken
    )
    {
        var postgres = database.Engine == DatabaseEngine.PostgreSql;
        var lockKey = $"recordings-platform/migrations/{database.Name}";
        await using var connection = await database.OpenWithoutMigratingAsync(cancellationToken);
        if (postgres)
        {
            await connection.ExecuteAsync(
                new CommandDefinition("SELECT pg_advisory_lock(hashtextextended(@lockKey, 0))", new { lockKey }, cancellationToken: cancellationToken)
            );
        }

        try
        {
            if (postgres)
            {
                // Under the lock: two replicas creating the schema at once would collide even with IF NOT EXISTS.
                await connection.ExecuteAsync($"CREATE SCHEMA IF NOT EXISTS \"{database.Name}\"");
            }

            await connection.ExecuteAsync(Table);
            var applied = new List<Migration>();
            foreach (var migration in migrations)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                if (await IsAppliedAsync(connection, transaction, migration))
                {
                    await transaction.RollbackAsync(cancellationToken);
                    continue;
                }

                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (@Component, @Version, @Name, @at)",
                    new
                    {
                        migration.Component,
                        migration.Version,
                        migration.Name,
                        at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                    },
                    transaction
                );
                await transaction.CommitAsync(cancellationToken);
                applied.Add(migration);
            }

            return applied;
        }
        finally
        {
            if (postgres)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtextextended(@lockKey, 0))", new { lockKey });
            }
        }
    }

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction transaction, Migration migration) =>
        await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM schema_migrations WHERE component = @Component AND version = @Version",
            new { migration.Component, Version = (long)migration.Version },
            transaction
        ) > 0;
}
