using AuthService.Storage;
using Platform.Storage.Audit;
using Platform.Storage.Database;
using Platform.Storage.Migrations;
using RecordingsService.Storage;

namespace Services.Tests.Storage;

/// <summary>One list of migrations per component: both engines apply the same steps, a shared step the same SQL.</summary>
public sealed class MigrationListTests
{
    public static TheoryData<string> Components => ["auth", "recordings", "audit"];

    [Theory]
    [MemberData(nameof(Components))]
    public void BothEngines_ApplyTheSameNumberedSteps(string component)
    {
        var sqlite = Load(component, DatabaseEngine.Sqlite);
        var postgres = Load(component, DatabaseEngine.PostgreSql);

        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite.Select(m => m.Id), postgres.Select(m => m.Id));
    }

    [Fact]
    public void AStepWrittenOnce_IsTheSameSqlForBothEngines_AndOneThatDiffersIsNot()
    {
        var sqlite = Load("auth", DatabaseEngine.Sqlite);
        var postgres = Load("auth", DatabaseEngine.PostgreSql);

        // 0002_user_version.sql is one file; 0005_revocation_epoch needs each engine's random function.
        Assert.Equal(sqlite.Single(m => m.Id == "0002_user_version").Sql, postgres.Single(m => m.Id == "0002_user_version").Sql);
        Assert.Contains("randomblob", sqlite.Single(m => m.Id == "0005_revocation_epoch").Sql, StringComparison.Ordinal);
        Assert.Contains("md5(random()", postgres.Single(m => m.Id == "0005_revocation_epoch").Sql, StringComparison.Ordinal);
    }

    private static IReadOnlyList<Migration> Load(string component, DatabaseEngine engine) =>
        component switch
        {
            "auth" => Migration.Load(typeof(AuthDatabase).Assembly, component, engine),
            "recordings" => Migration.Load(typeof(RecordingsDatabase).Assembly, component, engine),
            _ => AuditMigrations.Load(engine),
        };
}
