using Services.Tests.Infrastructure;

namespace Services.Tests.Recordings;

public sealed class RecordingsStartupTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")] // every name but Development is Production: no published development Twilio token
    [InlineData("")]
    public async Task Production_WithoutTwilioSettings_NamesEachOne(string environmentName)
    {
        using var temporary = TemporaryDirectory.Create("recordings-prod-");
        var data = temporary.Path;
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync("RecordingsService", [], environment: new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = environmentName,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["DATA_DIR"] = data,
            ["TWILIO_ACCOUNT_SID"] = "not-a-sid",
            ["TWILIO_AUTH_TOKEN"] = null,
            ["PUBLIC_BASE_URL"] = null,
            ["RECORDING_RETENTION_DAYS"] = "-3",
        });

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
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("RecordingsService", [], environment: new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["DATA_DIR"] = temporary.Path,
            ["TWILIO_AUTH_TOKEN"] = "same-token-0123",
            ["TWILIO_AUTH_TOKEN_SECONDARY"] = "same-token-0123",
        });

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

        foreach (var path in new[] { "/api/recordings", "/api/recordings/{sid}", "/api/recordings/{sid}/audio", "/api/recordings/sync", "/api/audit/recordings" })
        {
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
        }
    }
}
