using System.Net;
using System.Net.Http.Json;
using Services.Tests.Infrastructure;

namespace Services.Tests.Auth;

public sealed class AdminSeedTests
{
    [Fact]
    public async Task ChangedAdminHash_ReplacesThePassword_AndEndsTheAdminsSessions()
    {
        var data = Directory.CreateTempSubdirectory("auth-seed-").FullName;
        try
        {
            SignIn old;
            await using (var first = new AuthHost(dataDirectory: data))
            {
                old = await first.SignInAsync();
            }

            const string newPassword = "the-new-admin-password";
            await using var second = new AuthHost(new Dictionary<string, string> { ["ADMIN_PASSWORD_HASH"] = BCrypt.Net.BCrypt.HashPassword(newPassword, 10) }, data);
            using var client = second.Client();
            using var oldPassword = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });

            Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
            var fresh = await second.SignInAsync("admin", newPassword);
            Assert.Contains(old.SessionId, await second.RevokedSessionsAsync());
            using var refresh = await second.RefreshAsync(old.RefreshToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
            var audit = await second.AuditAsync(fresh.AccessToken);
            Assert.Contains(audit, e => e.GetProperty("action").GetString() == "admin-seeded" && e.GetProperty("outcome").GetString() == "password-replaced");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
