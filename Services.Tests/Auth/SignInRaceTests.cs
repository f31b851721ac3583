using System.Net;
using System.Net.Http.Json;
using AuthService.Passwords;
using Microsoft.Extensions.DependencyInjection;
using Services.Tests.Infrastructure;

namespace Services.Tests.Auth;

/// <summary>A sign-in in flight while an admin changes the user: the change wins, no session outlives it.</summary>
public sealed class SignInRaceTests
{
    [Theory]
    [InlineData("disabled")]
    [InlineData("deleted")]
    public async Task ASignInInFlight_WhenTheUserIsChanged_GetsNoSession(string change)
    {
        // bcrypt at cost 14 (about a second here): the sign-in is still hashing when the admin acts.
        await using var host = new AuthHost(new Dictionary<string, string> { ["BCRYPT_WORK_FACTOR"] = "14", ["HASHING_CONCURRENCY"] = "2" });
        var admin = await host.SignInAsync();
        using (
            var created = await host.SendAsync(
                HttpMethod.Post,
                "/api/users",
                admin.AccessToken,
                new
                {
                    username = "vera",
                    password = "vera-s-password-1",
                    role = "admin",
                }
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var hasher = host.Services.GetRequiredService<PasswordHasher>();
        using var client = host.Client();
        var signingIn = client.PostAsJsonAsync("/api/auth/login", new { username = "vera", password = "vera-s-password-1" });
        await Wait.UntilAsync(() => hasher.InFlight > 0, TimeSpan.FromSeconds(10), "vera's password is being checked");

        using (
            var changed =
                change == "disabled"
                    ? await host.SendAsync(HttpMethod.Put, "/api/users/vera", admin.AccessToken, new { disabled = true })
                    : await host.SendAsync(HttpMethod.Delete, "/api/users/vera", admin.AccessToken)
        )
        {
            Assert.True(changed.IsSuccessStatusCode);
        }

        Assert.True(hasher.InFlight > 0, "the admin's change landed while the sign-in was still hashing");
        using var signIn = await signingIn;
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        var audit = await host.AuditAsync(admin.AccessToken);
        Assert.Contains(audit, e => e.GetProperty("target").GetString() == "vera" && e.GetProperty("detail").GetString() == "changed-meanwhile");
    }
}
