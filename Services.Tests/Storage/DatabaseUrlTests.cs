using Npgsql;
using Platform.Storage.Database;

namespace Services.Tests.Storage;

public sealed class DatabaseUrlTests
{
    [Theory]
    [InlineData(
        "postgres://app:p%40ss%3Aw0rd@db.internal:6432/calls?sslmode=verify-full",
        "db.internal",
        6432,
        "calls",
        "app",
        "p@ss:w0rd",
        SslMode.VerifyFull
    )]
    [InlineData("postgresql://app@db.internal/calls", "db.internal", 5432, "calls", "app", null, SslMode.Prefer)]
    [InlineData("postgres://app:pw@[2001:db8::5]:5433/calls?sslmode=require", "2001:db8::5", 5433, "calls", "app", "pw", SslMode.Require)]
    [InlineData(
        "Host=db.internal;Port=6432;Database=calls;Username=app;Password=pw;SSL Mode=Require",
        "db.internal",
        6432,
        "calls",
        "app",
        "pw",
        SslMode.Require
    )]
    public void BothForms_GiveTheSameConnection(
        string value,
        string host,
        int port,
        string database,
        string username,
        string? password,
        SslMode sslMode
    )
    {
        var parsed = new NpgsqlConnectionStringBuilder(DatabaseSettings.TryParse(value, out var problem));

        Assert.Null(problem);
        Assert.Equal(
            (host, port, database, username, password, sslMode),
            (parsed.Host, parsed.Port, parsed.Database, parsed.Username, parsed.Password, parsed.SslMode)
        );
    }

    [Theory]
    [InlineData("postgres://app:secret-pw@db.internal/calls?sslmode=sometimes", "unknown value \"sometimes\"")]
    [InlineData("postgres://app:secret-pw@db.internal/calls?search_path=x", "query parameter \"search_path\"")]
    [InlineData("postgres://app:secret-pw@db.internal", "names no database")]
    [InlineData("postgres:///calls", "not a valid postgres:// URL")]
    [InlineData("mysql://app:secret-pw@db/calls", "neither a postgres:// URL nor an Npgsql connection string")]
    [InlineData("Database=calls;Password=secret-pw", "names no host")]
    public void Mistakes_AreNamed_WithoutThePassword(string value, string expected)
    {
        Assert.Null(DatabaseSettings.TryParse(value, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServiceWithABadDatabaseUrl_DoesNotStart_AndSaysWhy()
    {
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(
            "RecordingsService",
            [],
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["DATABASE_URL"] = "postgres://app:secret-pw@db.internal",
            }
        );

        Assert.Equal(78, exitCode);
        Assert.Contains("DATABASE_URL names no database.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", stdout + stderr, StringComparison.Ordinal);
    }
}
