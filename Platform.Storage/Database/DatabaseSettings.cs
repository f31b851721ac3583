using Npgsql;
using ServiceDefaults.Configuration;

namespace Platform.Storage.Database;

/// <summary>
/// DATABASE_URL: unset, the service keeps an embedded SQLite file in DATA_DIR; set, it uses PostgreSQL, given as
/// <c>postgres://user:password@host:port/database?sslmode=require</c> (also <c>postgresql://</c>) or as an Npgsql
/// connection string (<c>Host=…;Username=…;…</c>). Each service keeps its tables in its own schema.
/// </summary>
public sealed record DatabaseSettings(string DataDirectory, string? PostgresConnectionString)
{
    public const string Variable = "DATABASE_URL";

    public bool IsPostgres => PostgresConnectionString is not null;

    public static DatabaseSettings Read(SettingsReader reader, string dataDirectory)
    {
        var value = reader.Raw(Variable);
        if (value is null)
        {
            return new DatabaseSettings(dataDirectory, null);
        }

        var connectionString = TryParse(value, out var problem);
        if (connectionString is null)
        {
            reader.AddProblem($"{Variable} {problem}");
        }

        return new DatabaseSettings(dataDirectory, connectionString);
    }

    /// <summary>An Npgsql connection string from either form; null with a problem (which never repeats a password).</summary>
    public static string? TryParse(string value, out string? problem)
    {
        problem = null;
        NpgsqlConnectionStringBuilder builder;
        if (
            value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        )
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host))
            {
                problem = "is not a valid postgres:// URL (postgres://user:password@host:5432/database).";
                return null;
            }

            builder = new NpgsqlConnectionStringBuilder
            {
                Host = url.Host.Trim('[', ']'),
                Port = url.IsDefaultPort || url.Port < 0 ? 5432 : url.Port,
                Database = Uri.UnescapeDataString(url.AbsolutePath.Trim('/')),
            };
            if (url.UserInfo.Length > 0)
            {
                var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
                builder.Username = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
                builder.Password = colon < 0 ? null : Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
            }

            foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = pair.Split('=', 2);
                var name = Uri.UnescapeDataString(parts[0]);
                var setting = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
                if (
                    name.Equals("sslmode", StringComparison.OrdinalIgnoreCase)
                    && Enum.TryParse<SslMode>(setting.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var mode)
                )
                {
                    builder.SslMode = mode;
                }
                else
                {
                    var unknownValue = name.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? $" with the unknown value \"{setting}\"" : "";
                    problem =
                        $"has the query parameter \"{name}\"{unknownValue}; "
                        + "only sslmode (disable, allow, prefer, require, verify-ca, verify-full) is read.";
                    return null;
                }
            }
        }
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(value);
            }
            catch (ArgumentException)
            {
                problem = "is neither a postgres:// URL nor an Npgsql connection string (Host=…;Database=…;Username=…).";
                return null;
            }
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            problem = "names no host.";
            return null;
        }

        if (string.IsNullOrEmpty(builder.Database))
        {
            problem = "names no database.";
            return null;
        }

        return builder.ConnectionString;
    }
}
