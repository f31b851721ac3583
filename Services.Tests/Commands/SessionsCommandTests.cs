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

        var (exitCode, stdout, _) = await Processes.RunAsync("AuthService", ["sessions", "revoke-all"],
            environment: new Dictionary<string, string?> { ["DATA_DIR"] = host.DataDirectory });

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
        var empty = Directory.CreateTempSubdirectory("no-data-").FullName;
        try
        {
            var (exitCode, _, stderr) = await Processes.RunAsync("AuthService", ["sessions", "revoke-all"],
                environment: new Dictionary<string, string?> { ["DATA_DIR"] = empty });

            Assert.Equal(1, exitCode);
            Assert.Contains(Path.Combine(empty, "auth.db"), stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
