using Services.Tests.Infrastructure;

namespace Services.Tests.Auth;

public sealed class AuthStartupCheckTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")] // every name but Development is Production: no development fallbacks
    [InlineData("")]
    public async Task Production_WithoutAdminHashAndKeysDirectory_NamesBoth(string environmentName)
    {
        using var temporary = TemporaryDirectory.Create("auth-prod-");
        var data = temporary.Path;
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            [],
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = environmentName,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["DATA_DIR"] = data,
                ["ADMIN_USERNAME"] = "admin",
                ["ADMIN_PASSWORD_HASH"] = null,
                ["JWT_KEYS_DIR"] = null,
                ["ACCESS_TOKEN_MINUTES"] = "soon",
                ["MFA_REQUIRED_FOR_ADMINS"] = "yes",
            }
        );

        Assert.Equal(78, exitCode);
        Assert.Contains("MFA_REQUIRED_FOR_ADMINS must be true or false (got \"yes\")", stderr, StringComparison.Ordinal);
        Assert.Contains("DATA_ENCRYPTION_KEY is required", stderr, StringComparison.Ordinal);
        Assert.Contains("ADMIN_PASSWORD_HASH is required", stderr, StringComparison.Ordinal);
        Assert.Contains("JWT_KEYS_DIR is required", stderr, StringComparison.Ordinal);
        Assert.Contains("ACCESS_TOKEN_MINUTES must be a whole number", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_WithAnEmptyKeysDirectoryOrABadHash_SaysWhatToRun()
    {
        using var temporary = TemporaryDirectory.Create("auth-prod-");
        var data = temporary.Path;
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            [],
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["DATA_DIR"] = data,
                ["ADMIN_USERNAME"] = "admin",
                ["ADMIN_PASSWORD_HASH"] = "plaintext-password",
                ["JWT_KEYS_DIR"] = Path.Combine(data, "keys"),
            }
        );

        Assert.Equal(78, exitCode);
        Assert.Contains("has no active signing key", stderr, StringComparison.Ordinal);
        Assert.Contains("keys new --dir", stderr, StringComparison.Ordinal);
        Assert.Contains("ADMIN_PASSWORD_HASH is not a bcrypt hash", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("plaintext-password", stderr, StringComparison.Ordinal);
    }
}
