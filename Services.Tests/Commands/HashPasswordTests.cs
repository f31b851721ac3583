using Services.Tests.Infrastructure;

namespace Services.Tests.Commands;

public sealed class HashPasswordTests
{
    [Fact]
    public async Task HashPassword_PrintsOnlyABcryptHashThatVerifies()
    {
        const string password = "correct horse battery staple";

        var (exitCode, stdout, _) = await Processes.RunBuiltAsync("AuthService", ["hash-password"], password + "\n");

        Assert.Equal(0, exitCode);
        var hash = stdout.TrimEnd('\n');
        Assert.DoesNotContain('\n', hash);
        Assert.StartsWith("$2", hash, StringComparison.Ordinal);
        Assert.Equal("12", hash.Split('$')[2]);
        Assert.True(BCrypt.Net.BCrypt.Verify(password, hash));
        Assert.DoesNotContain(password, stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short", "at least 12 bytes")]
    [InlineData("", "empty")]
    public async Task HashPassword_RefusesTooShort(string password, string message)
    {
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync("AuthService", ["hash-password"], password + "\n");

        Assert.NotEqual(0, exitCode);
        Assert.Empty(stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HashPassword_RefusesMoreThan72BytesInsteadOfTruncating()
    {
        // 25 three-byte characters: 25 characters but 75 bytes.
        var password = new string('€', 25);

        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync("AuthService", ["hash-password"], password + "\n");

        Assert.NotEqual(0, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("at most 72 bytes", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HashPassword_UsesTheConfiguredWorkFactor()
    {
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            ["hash-password"],
            "correct horse battery staple\n",
            environment: new Dictionary<string, string?> { ["BCRYPT_WORK_FACTOR"] = "11" }
        );

        Assert.True(exitCode == 0, stderr);
        Assert.Equal("11", stdout.TrimEnd('\n').Split('$')[2]);
    }

    [Fact]
    public async Task HashPassword_WithAnInvalidWorkFactor_SaysSoAndPrintsNoHash()
    {
        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            ["hash-password"],
            "correct horse battery staple\n",
            environment: new Dictionary<string, string?> { ["BCRYPT_WORK_FACTOR"] = "40" }
        );

        Assert.Equal(78, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("BCRYPT_WORK_FACTOR", stderr, StringComparison.Ordinal);
    }
}
