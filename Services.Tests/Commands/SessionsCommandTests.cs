using System.Net;
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
        var revoked = await host.RevokedSessionsAsync();
        Assert.Contains(first.SessionId, revoked);
        Assert.Contains(second.SessionId, revoked);
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
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("AuthService", ["sessions", "revoke-all"],
            environment: new Dictionary<string, string?> { ["DATA_DIR"] = empty, ["ASPNETCORE_ENVIRONMENT"] = "Development" });

        Assert.Equal(1, exitCode);
        Assert.Contains(Path.Combine(empty, "auth.db"), stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeAll_KeepsRevocationsAsLongAsTheConfiguredAccessTokensLive_FromAppSettings()
    {
        // ACCESS_TOKEN_MINUTES=60 in the service's appsettings.json, not in the environment: the command must read
        // it as the service does, or the feed forgets revoked sessions after 15 minutes while their tokens live 60.
        await using var host = new AuthHost(new Dictionary<string, string> { ["ACCESS_TOKEN_MINUTES"] = "60" });
        var signIn = await host.SignInAsync();
        using var temporary = TemporaryDirectory.Create("auth-cwd-");
        var workingDirectory = temporary.Path;
        await File.WriteAllTextAsync(Path.Combine(workingDirectory, "appsettings.json"), """{ "ACCESS_TOKEN_MINUTES": "60" }""");
        var environment = host.CommandEnvironment();
        environment.Remove("ACCESS_TOKEN_MINUTES");

        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("AuthService", ["sessions", "revoke-all"], environment: environment, workingDirectory: workingDirectory);

        Assert.True(exitCode == 0, stderr);
        using var client = host.Client();
        using var feed = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/internal/revocations?since=0"));
        var entry = Assert.Single(feed.RootElement.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("sid").GetString() == signIn.SessionId);
        var expiresAt = entry.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.True(expiresAt > DateTimeOffset.UtcNow.AddMinutes(55), $"the revocation expires at {expiresAt:O}, before the session's tokens do");
    }
}
