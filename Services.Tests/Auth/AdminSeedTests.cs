using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Services.Tests.Infrastructure;

namespace Services.Tests.Auth;

public sealed class AdminSeedTests
{
    [Fact]
    public async Task ChangedAdminHash_ReplacesThePassword_AndEndsTheAdminsSessions()
    {
        using var temporary = TemporaryDirectory.Create("auth-seed-");
        var data = temporary.Path;
        SignIn old;
        await using (var first = new AuthHost(dataDirectory: data))
        {
            old = await first.SignInAsync();
        }

        const string newPassword = "the-new-admin-password";
        await using var second = new AuthHost(
            new Dictionary<string, string> { ["ADMIN_PASSWORD_HASH"] = BCrypt.Net.BCrypt.HashPassword(newPassword, 10) },
            data
        );
        using var client = second.Client();
        using var oldPassword = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });

        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        var fresh = await second.SignInAsync("admin", newPassword);
        Assert.Contains(old.SessionId, await second.RevokedSessionsAsync());
        using var refresh = await second.RefreshAsync(old.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        var audit = await second.AuditAsync(fresh.AccessToken);
        Assert.Contains(audit, e =>
            e.GetProperty("action").GetString() == "admin-seeded" && e.GetProperty("outcome").GetString() == "password-replaced"
        );
    }

    [Fact]
    public async Task PasswordChangedThroughTheApi_SurvivesARestart_WithTheSameAdminHash()
    {
        using var temporary = TemporaryDirectory.Create("auth-seed-");
        var data = temporary.Path;
        const string changed = "changed-through-the-api";
        await using (var first = new AuthHost(dataDirectory: data))
        {
            var admin = await first.SignInAsync();
            using var update = await first.SendAsync(HttpMethod.Put, "/api/users/admin", admin.AccessToken, new { password = changed });
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        // Same ADMIN_PASSWORD_HASH as before: nothing for the seeder to apply.
        await using var second = new AuthHost(dataDirectory: data);
        using var client = second.Client();
        using var seededPassword = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });

        Assert.Equal(HttpStatusCode.Unauthorized, seededPassword.StatusCode);
        await second.SignInAsync("admin", changed);
    }

    [Fact]
    public async Task AHashUpgradedAtSignIn_DoesNotEndTheAdminsSessionsAtTheNextRestart()
    {
        using var temporary = TemporaryDirectory.Create("auth-seed-");
        var data = temporary.Path;
        // The seeded hash has cost 10; signing in re-hashes at BCRYPT_WORK_FACTOR 11, so the stored hash differs.
        var settings = new Dictionary<string, string> { ["BCRYPT_WORK_FACTOR"] = "11" };
        SignIn session;
        await using (var first = new AuthHost(settings, data))
        {
            session = await first.SignInAsync();
        }

        await using var second = new AuthHost(settings, data);
        Assert.DoesNotContain(session.SessionId, await second.RevokedSessionsAsync());
        using var refresh = await second.RefreshAsync(session.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
    }

    [Fact]
    public async Task ADeletedSeedAdmin_StaysDeletedAcrossRestarts_UntilTheOperatorSetsANewHash()
    {
        using var temporary = TemporaryDirectory.Create("auth-seed-");
        var data = temporary.Path;
        await using (var first = new AuthHost(dataDirectory: data))
        {
            await DeleteSeedAdminAsync(first);
        }

        // Restarted with the same ADMIN_PASSWORD_HASH: the seed password opens nothing.
        await using (var second = new AuthHost(dataDirectory: data))
        {
            using var client = second.Client();
            using var seeded = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });
            Assert.Equal(HttpStatusCode.Unauthorized, seeded.StatusCode);
            var other = await second.SignInAsync("ops", OtherAdminPassword);
            using var users = await second.SendAsync(HttpMethod.Get, "/api/users", other.AccessToken);
            var names = (await users.Content.ReadFromJsonAsync<JsonElement>())
                .EnumerateArray()
                .Select(user => user.GetProperty("username").GetString());
            Assert.Equal(["ops"], names);
        }

        // A new hash is the operator's explicit reset: the administrator is back.
        const string restored = "restored-admin-password";
        await using var third = new AuthHost(
            new Dictionary<string, string> { ["ADMIN_PASSWORD_HASH"] = BCrypt.Net.BCrypt.HashPassword(restored, 10) },
            data
        );
        await third.SignInAsync("admin", restored);
    }

    [Fact]
    public async Task ADeletedSeedAdmin_IsNotCreatedAgainByAnotherReplica_OnPostgres()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var settings = new Dictionary<string, string> { ["DATABASE_URL"] = postgres.UrlFor(await postgres.CreateDatabaseAsync()) };
        await using (var first = new AuthHost(settings))
        {
            await DeleteSeedAdminAsync(first);
        }

        await using var replica = new AuthHost(settings);
        using var client = replica.Client();
        using var seeded = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, seeded.StatusCode);
    }

    private const string OtherAdminPassword = "another-admin-password";

    // Another admin takes over, then deletes the seeded one (the last admin cannot be deleted: 409).
    private static async Task DeleteSeedAdminAsync(AuthHost host)
    {
        var admin = await host.SignInAsync();
        using (var alone = await host.SendAsync(HttpMethod.Delete, "/api/users/admin", admin.AccessToken))
        {
            Assert.Equal(HttpStatusCode.Conflict, alone.StatusCode);
        }

        using (
            var created = await host.SendAsync(
                HttpMethod.Post,
                "/api/users",
                admin.AccessToken,
                new
                {
                    username = "ops",
                    password = OtherAdminPassword,
                    role = "admin",
                }
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var other = await host.SignInAsync("ops", OtherAdminPassword);
        using var deleted = await host.SendAsync(HttpMethod.Delete, "/api/users/admin", other.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }
}
