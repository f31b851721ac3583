using System.Text.RegularExpressions;
using Services.Tests.Infrastructure;

namespace Services.Tests.Recordings;

public sealed partial class RecordingsStartupTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")] // every name but Development is Production: no published development Twilio token
    [InlineData("")]
    public async Task Production_WithoutTwilioSettings_NamesEachOne(string environmentName)
    {
        using var temporary = TemporaryDirectory.Create("recordings-prod-");
        var data = temporary.Path;
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(
            "RecordingsService",
            [],
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = environmentName,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["DATA_DIR"] = data,
                ["TWILIO_ACCOUNT_SID"] = "not-a-sid",
                ["TWILIO_AUTH_TOKEN"] = null,
                ["PUBLIC_BASE_URL"] = null,
                ["RECORDING_RETENTION_DAYS"] = "-3",
            }
        );

        Assert.Equal(78, exitCode);
        Assert.Contains("TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal digits", stderr, StringComparison.Ordinal);
        Assert.Contains("TWILIO_AUTH_TOKEN is required", stderr, StringComparison.Ordinal);
        Assert.Contains("PUBLIC_BASE_URL is required", stderr, StringComparison.Ordinal);
        Assert.Contains("RECORDING_RETENTION_DAYS must be a whole number", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondaryTokenEqualToThePrimary_StopsTheStart()
    {
        using var temporary = TemporaryDirectory.Create("recordings-prod-");
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync(
            "RecordingsService",
            [],
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["DATA_DIR"] = temporary.Path,
                ["TWILIO_AUTH_TOKEN"] = "same-token-0123",
                ["TWILIO_AUTH_TOKEN_SECONDARY"] = "same-token-0123",
            }
        );

        Assert.Equal(78, exitCode);
        Assert.Contains("TWILIO_AUTH_TOKEN_SECONDARY is the same as TWILIO_AUTH_TOKEN", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("same-token-0123", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheRecordingsApi()
    {
        await using var host = new RecordingsHost();
        using var client = host.Client();

        var document = await client.GetStringAsync("/openapi/v1.json");

        foreach (
            var path in new[]
            {
                "/api/recordings",
                "/api/recordings/{sid}",
                "/api/recordings/{sid}/audio",
                "/api/recordings/sync",
                "/api/audit/recordings",
            }
        )
        {
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ASecondReplicaOnTheSameSqliteDataDirectory_RefusesToStart_WhileCommandsStillRunBesideTheFirst()
    {
        using var data = TemporaryDirectory.Create("recordings-sqlite-");
        using var port = PortReservation.Reserve();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.Port}",
            ["DATA_DIR"] = data.Path,
            ["DATABASE_URL"] = null,
        };
        await using var first = RunningProcess.Start("dotnet", [Repository.BuiltDll("RecordingsService")], environment);
        await first.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60));

        var second = await Processes.RunBuiltAsync(
            "RecordingsService",
            [],
            environment: new Dictionary<string, string?>(environment) { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" }
        );
        Assert.Equal(78, second.ExitCode);
        Assert.Contains(
            $"RecordingsService cannot start: another RecordingsService is running on the SQLite database in DATA_DIR {data.Path}",
            second.StandardError,
            StringComparison.Ordinal
        );
        Assert.Contains("give every replica DATABASE_URL", second.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.StandardOutput + second.StandardError, StringComparison.Ordinal);

        // The operator's commands share the files with the running replica, as before.
        var migrate = await Processes.RunBuiltAsync("RecordingsService", ["migrate"], environment: environment);
        Assert.Equal(0, migrate.ExitCode);
        Assert.False(first.HasExited);

        // The container's health check: the probe command reads the replica's own readiness (not ready: no AuthService
        // runs here, so it has no keys to check tokens with).
        var probe = await Processes.RunBuiltAsync("RecordingsService", ["probe"], environment: environment);
        Assert.Equal(1, probe.ExitCode);
        Assert.Contains($"http://127.0.0.1:{port.Port}/health/ready: 503", probe.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"jwks\":{\"status\":\"Unhealthy\"", probe.StandardOutput, StringComparison.Ordinal);

        // Once the first has stopped, the files are free again.
        Assert.True(await first.InterruptAsync(TimeSpan.FromSeconds(30)));
        await using var next = RunningProcess.Start("dotnet", [Repository.BuiltDll("RecordingsService")], environment);
        await next.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Probe_WithNothingListening_FailsWithTheReason()
    {
        using var port = PortReservation.Reserve();
        var probe = await Processes.RunBuiltAsync(
            "RecordingsService",
            ["probe"],
            environment: new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = $"https://0.0.0.0:{port.Port}" }
        );

        Assert.Equal(1, probe.ExitCode);
        Assert.Contains($"https://127.0.0.1:{port.Port}/health/ready: Connection refused", probe.StandardOutput, StringComparison.Ordinal);
    }

    [GeneratedRegex("Now listening on")]
    private static partial Regex ListeningLine();
}
