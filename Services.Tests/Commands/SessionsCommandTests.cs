using System.Net;
using System.Text.Json;
using Services.Tests.Infrastructure;

namespace Services.Tests.Commands;

public sealed class SessionsCommandTests
{
    [Fact]
    public async Task RevokeAll_EndsEverySession_OfTheRunningService()
    {
        await using var host = new AuthHost();
        var first = await host.SignInAsync();
        var second = await host.SignInAsync();

        var (exitCode, stdout, _) = await Processes.RunBuiltAsync("AuthService", ["sessions", "revoke-all"], environment: host.CommandEnvironment());

        Assert.Equal(0, exitCode);
        Assert.Contains("2 session(s) ended", stdout, StringComparison.Ordinal);
        // One "issued before" time on the feed, not a row per session: verifiers refuse every older token from it.
        using (var client = host.Client())
        {
            var feed = JsonDocument.Parse(await client.GetStringAsync("/internal/revocations?since=0")).RootElement;
            Assert.True(feed.GetProperty("revokedBefore").GetDateTimeOffset() >= host.Time.GetUtcNow());
            Assert.Empty(feed.GetProperty("sessions").EnumerateArray());
        }

        using var refresh = await host.RefreshAsync(first.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        using var me = await host.SendAsync(HttpMethod.Get, "/api/auth/me", second.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task RevokeAll_WithoutADatabase_SaysWhereItLooked()
    {
        using var temporary = TemporaryDirectory.Create("no-data-");
        var empty = temporary.Path;
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            ["sessions", "revoke-all"],
            environment: new Dictionary<string, string?> { ["DATA_DIR"] = empty, ["ASPNETCORE_ENVIRONMENT"] = "Development" }
        );

        Assert.Equal(1, exitCode);
        Assert.Contains(Path.Combine(empty, "auth.db"), stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeAll_ReadsTheServicesConfiguration_FromAppSettings()
    {
        // DATA_DIR in the service's appsettings.json, not in the environment: the command must read it as the service
        // does, or it ends the sessions of some other database (or none).
        await using var host = new AuthHost();
        var signIn = await host.SignInAsync();
        using var temporary = TemporaryDirectory.Create("auth-cwd-");
        var workingDirectory = temporary.Path;
        await File.WriteAllTextAsync(
            Path.Combine(workingDirectory, "appsettings.json"),
            JsonSerializer.Serialize(new Dictionary<string, string> { ["DATA_DIR"] = host.DataDirectory })
        );
        var environment = host.CommandEnvironment();
        environment.Remove("DATA_DIR");

        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            ["sessions", "revoke-all"],
            environment: environment,
            workingDirectory: workingDirectory
        );

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("1 session(s) ended", stdout, StringComparison.Ordinal);
        using var me = await host.SendAsync(HttpMethod.Get, "/api/auth/me", signIn.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }
}
