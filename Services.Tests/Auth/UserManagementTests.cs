using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Services.Tests.Infrastructure;

namespace Services.Tests.Auth;

public sealed class UserManagementTests : IAsyncLifetime
{
    private const string ViewerPassword = "viewer-password-1";
    private readonly AuthHost _host = new();
    private SignIn _admin = null!;

    public async Task InitializeAsync()
    {
        _admin = await _host.SignInAsync();
        using var created = await _host.SendAsync(
            HttpMethod.Post,
            "/api/users",
            _admin.AccessToken,
            new
            {
                username = "Vera",
                password = ViewerPassword,
                role = "viewer",
            }
        );
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CreatedUser_CanSignIn_AndIsListed()
    {
        var vera = await _host.SignInAsync("vera", ViewerPassword);

        using var me = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", vera.AccessToken);
        Assert.StartsWith(
            "{\"username\":\"vera\",\"role\":\"viewer\",\"expiresAt\":",
            await me.Content.ReadAsStringAsync(),
            StringComparison.Ordinal
        );
        using var list = await _host.SendAsync(HttpMethod.Get, "/api/users", _admin.AccessToken);
        var body = await list.Content.ReadAsStringAsync();
        Assert.Contains("\"username\":\"vera\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("$2", body, StringComparison.Ordinal); // no hashes
    }

    [Fact]
    public async Task Viewer_OnUserManagementOrAudit_Gets403()
    {
        var vera = await _host.SignInAsync("vera", ViewerPassword);

        using var users = await _host.SendAsync(HttpMethod.Get, "/api/users", vera.AccessToken);
        using var audit = await _host.SendAsync(HttpMethod.Get, "/api/audit/auth", vera.AccessToken);

        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
    }

    [Fact]
    public async Task NoToken_OnUserManagement_Gets401()
    {
        using var client = _host.Client();
        using var response = await client.GetAsync("/api/users");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("password")]
    [InlineData("role")]
    [InlineData("disable")]
    [InlineData("delete")]
    public async Task ChangingAUser_EndsTheirSessions_AndPublishesThem(string change)
    {
        var vera = await _host.SignInAsync("vera", ViewerPassword);

        using var response = change switch
        {
            "password" => await _host.SendAsync(HttpMethod.Put, "/api/users/vera", _admin.AccessToken, new { password = "a-brand-new-password" }),
            "role" => await _host.SendAsync(HttpMethod.Put, "/api/users/vera", _admin.AccessToken, new { role = "admin" }),
            "disable" => await _host.SendAsync(HttpMethod.Put, "/api/users/vera", _admin.AccessToken, new { disabled = true }),
            _ => await _host.SendAsync(HttpMethod.Delete, "/api/users/vera", _admin.AccessToken),
        };

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Contains(vera.SessionId, await _host.RevokedSessionsAsync());
        using var me = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", vera.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        using var refresh = await _host.RefreshAsync(vera.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        var audit = await _host.AuditAsync(_admin.AccessToken);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "sessions-revoked" && e.GetProperty("target").GetString() == "vera");
        Assert.Contains(audit, e =>
            e.GetProperty("action").GetString() is "user-updated" or "user-deleted" && e.GetProperty("actor").GetString() == "admin"
        );
    }

    [Fact]
    public async Task DisabledUser_CannotSignIn_WithTheSameAnswerAsAWrongPassword()
    {
        using (await _host.SendAsync(HttpMethod.Put, "/api/users/vera", _admin.AccessToken, new { disabled = true })) { }

        using var client = _host.Client();
        using var disabled = await client.PostAsJsonAsync("/api/auth/login", new { username = "vera", password = ViewerPassword });
        using var wrong = await client.PostAsJsonAsync("/api/auth/login", new { username = "vera", password = "wrong-password-1" });

        Assert.Equal(HttpStatusCode.Unauthorized, disabled.StatusCode);
        Assert.Equal(await wrong.Content.ReadAsStringAsync(), await disabled.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PasswordReset_NewPasswordWorks_OldDoesNot()
    {
        using (await _host.SendAsync(HttpMethod.Put, "/api/users/vera", _admin.AccessToken, new { password = "a-brand-new-password" })) { }

        using var client = _host.Client();
        using var old = await client.PostAsJsonAsync("/api/auth/login", new { username = "vera", password = ViewerPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        await _host.SignInAsync("vera", "a-brand-new-password");
    }

    public static readonly TheoryData<object, HttpStatusCode> BadCreations = new()
    {
        {
            new
            {
                username = "vera",
                password = "another-password-1",
                role = "viewer",
            },
            HttpStatusCode.Conflict
        },
        {
            new
            {
                username = "VERA",
                password = "another-password-1",
                role = "viewer",
            },
            HttpStatusCode.Conflict
        },
        {
            new
            {
                username = "x",
                password = "another-password-1",
                role = "viewer",
            },
            HttpStatusCode.BadRequest
        },
        {
            new
            {
                username = "<img src=x>",
                password = "another-password-1",
                role = "viewer",
            },
            HttpStatusCode.BadRequest
        },
        // A trailing newline passed ^…$ and made the Location header fail: 500. Control characters are refused.
        {
            new
            {
                username = "newuser\n",
                password = "another-password-1",
                role = "viewer",
            },
            HttpStatusCode.BadRequest
        },
        {
            new
            {
                username = "new\tuser",
                password = "another-password-1",
                role = "viewer",
            },
            HttpStatusCode.BadRequest
        },
        {
            new
            {
                username = "newuser\u0000",
                password = "another-password-1",
                role = "viewer",
            },
            HttpStatusCode.BadRequest
        },
        {
            new
            {
                username = "newuser",
                password = "short",
                role = "viewer",
            },
            HttpStatusCode.BadRequest
        },
        {
            new
            {
                username = "newuser",
                password = new string('€', 25),
                role = "viewer",
            },
            HttpStatusCode.BadRequest
        },
        {
            new
            {
                username = "newuser",
                password = "another-password-1",
                role = "root",
            },
            HttpStatusCode.BadRequest
        },
        { new { username = "newuser", password = "another-password-1" }, HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadCreations))]
    public async Task CreateUser_InvalidOrDuplicate_IsRefused_AndNothingIsStored(object body, HttpStatusCode status)
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/api/users", _admin.AccessToken, body);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var list = await _host.SendAsync(HttpMethod.Get, "/api/users", _admin.AccessToken);
        var users = await list.Content.ReadFromJsonAsync<List<JsonElement>>();
        Assert.Equal(["admin", "vera"], users!.Select(u => u.GetProperty("username").GetString()));
    }

    [Fact]
    public async Task TheLastAdmin_CannotBeDemotedDisabledOrDeleted()
    {
        using var demote = await _host.SendAsync(HttpMethod.Put, "/api/users/admin", _admin.AccessToken, new { role = "viewer" });
        using var disable = await _host.SendAsync(HttpMethod.Put, "/api/users/admin", _admin.AccessToken, new { disabled = true });
        using var delete = await _host.SendAsync(HttpMethod.Delete, "/api/users/admin", _admin.AccessToken);

        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        using var me = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", _admin.AccessToken);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
    }

    [Fact]
    public async Task UnknownUser_Is404_AndAnEmptyUpdateIs400()
    {
        using var missing = await _host.SendAsync(HttpMethod.Put, "/api/users/nobody", _admin.AccessToken, new { role = "viewer" });
        using var deleteMissing = await _host.SendAsync(HttpMethod.Delete, "/api/users/nobody", _admin.AccessToken);
        using var empty = await _host.SendAsync(HttpMethod.Put, "/api/users/vera", _admin.AccessToken, new { });

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleteMissing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }
}
