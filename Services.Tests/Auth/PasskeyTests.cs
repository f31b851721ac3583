using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Services.Tests.Infrastructure;
using Services.Tests.Storage;

namespace Services.Tests.Auth;

/// <summary>
/// Passkeys (WebAuthn) against the real AuthService, with a software authenticator: registering, signing in without
/// a username, every refusal (one 401 for a sign-in, a 400 for a registration, audited, nothing stored), removal,
/// the admin's and the command line's reset, the two admin policies, and a ceremony finished on another replica.
/// </summary>
public sealed class PasskeyTests : IAsyncLifetime
{
    private readonly AuthHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ARegisteredPasskey_SignsInWithoutAUsername_AsAFullSession()
    {
        using var passkey = new SoftwarePasskey();
        var admin = await _host.SignInAsync();
        var registered = await RegisterAsync(_host, admin.AccessToken, passkey, "Laptop");
        Assert.Equal(passkey.Id, registered.GetProperty("id").GetString());
        Assert.Equal("Laptop", registered.GetProperty("name").GetString());

        using var signIn = await SignInAsync(_host, passkey);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        Assert.Equal("admin", Jwt.Payload(token).GetProperty("sub").GetString());

        using var me = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", token);
        var body = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("passkeys").GetInt32());
        Assert.False(body.GetProperty("mfaSetupRequired").GetBoolean());
        var listed = Assert.Single((await ListAsync(_host, token)).EnumerateArray());
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);
        var audit = await _host.AuditAsync(token);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "sign-in" && e.GetProperty("detail").GetString() == "with a passkey");
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "passkey-added" && e.GetProperty("outcome").GetString() == "success");
    }

    public static TheoryData<string> SignInRefusals => ["unknown", "origin", "rp-id", "replayed", "expired", "counter", "disabled", "unverified"];

    [Theory]
    [MemberData(nameof(SignInRefusals))]
    public async Task ASignInRefused_IsOneUniform401_Audited_AndGivesNoSession(string refusal)
    {
        using var passkey = new SoftwarePasskey();
        var admin = await _host.SignInAsync();
        await CreateUserAsync(admin.AccessToken, "bob");
        var bob = await _host.SignInAsync("bob", "bob-password-123");
        await RegisterAsync(_host, bob.AccessToken, passkey, "Phone");
        using (var first = await SignInAsync(_host, passkey))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode); // counter 1
        }

        using var stranger = new SoftwarePasskey { UserHandle = passkey.UserHandle };
        var (ceremony, options) = await BeginSignInAsync(_host);
        var credential = refusal switch
        {
            "unknown" => stranger.Get(options),
            "origin" => passkey.Get(options, origin: "https://calls.example.net"),
            "rp-id" => passkey.Get(options, rpId: "example.net"),
            "counter" => passkey.Get(options, counter: 1), // not above the 1 already seen
            "unverified" => passkey.Get(options, verified: false),
            _ => passkey.Get(options),
        };
        if (refusal == "replayed")
        {
            using var used = await FinishSignInAsync(_host, ceremony, credential);
            Assert.Equal(HttpStatusCode.OK, used.StatusCode);
            credential = passkey.Get(options);
        }
        else if (refusal == "expired")
        {
            _host.Time.Advance(TimeSpan.FromMinutes(6));
        }
        else if (refusal == "disabled")
        {
            using var disabled = await _host.SendAsync(HttpMethod.Put, "/api/users/bob", admin.AccessToken, new { disabled = true });
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        }

        using var refused = await FinishSignInAsync(_host, ceremony, credential);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.2","title":"Passkey not accepted","status":401,"detail":"Sign in again, """
                + """with a passkey of this site."}""",
            await refused.Content.ReadAsStringAsync()
        );
        Assert.False(refused.Headers.Contains("Set-Cookie"));
        var failures = (await _host.AuditAsync((await _host.SignInAsync()).AccessToken)).Where(e =>
            e.GetProperty("action").GetString() == "sign-in"
            && e.GetProperty("outcome").GetString() == "failure"
            && e.GetProperty("detail").GetString()!.StartsWith("passkey: ", StringComparison.Ordinal)
        );
        Assert.Single(failures);
    }

    public static TheoryData<string> RegistrationRefusals => ["origin", "rp-id", "unverified", "replayed", "another user's ceremony"];

    [Theory]
    [MemberData(nameof(RegistrationRefusals))]
    public async Task ARegistrationRefused_IsA400_AndStoresNothing(string refusal)
    {
        using var passkey = new SoftwarePasskey();
        var admin = await _host.SignInAsync();
        await CreateUserAsync(admin.AccessToken, "bob");
        var bob = await _host.SignInAsync("bob", "bob-password-123");
        var (ceremony, options) = await BeginAsync(_host, "/api/auth/passkeys/register/options", bob.AccessToken);
        var credential = refusal switch
        {
            "origin" => passkey.Create(options, origin: "https://calls.example.net"),
            "rp-id" => passkey.Create(options, rpId: "example.net"),
            "unverified" => passkey.Create(options, verified: false),
            _ => passkey.Create(options),
        };
        var token = bob.AccessToken;
        if (refusal == "replayed")
        {
            using var first = await FinishRegistrationAsync(_host, token, ceremony, credential, "First");
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            credential = new SoftwarePasskey().Create(options);
        }
        else if (refusal == "another user's ceremony")
        {
            token = admin.AccessToken;
        }

        using var refused = await FinishRegistrationAsync(_host, token, ceremony, credential, "Second");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain((await ListAsync(_host, token)).EnumerateArray(), p => p.GetProperty("name").GetString() == "Second");
    }

    [Theory]
    [InlineData("""{"ceremony":"x","name":"Laptop"}""")]
    [InlineData("""{"ceremony":"x","name":"Laptop","credential":"not an object"}""")]
    [InlineData("""{"ceremony":"x","name":"Laptop","credential":{"id":5}}""")]
    [InlineData("""{"ceremony":"x","name":"","credential":{}}""")]
    [InlineData("""{"name":"Laptop","credential":{}}""")]
    [InlineData("""{"ceremony":"x","name":"a\u0007b","credential":{}}""")]
    public async Task AMalformedRegistration_IsA400(string body)
    {
        var admin = await _host.SignInAsync();
        using var client = _host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/passkeys/register")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", admin.AccessToken);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty((await ListAsync(_host, admin.AccessToken)).EnumerateArray());
    }

    [Fact]
    public async Task RemovingAPasskey_NeedsASignInAtMostFiveMinutesOld()
    {
        using var passkey = new SoftwarePasskey();
        var admin = await _host.SignInAsync();
        await RegisterAsync(_host, admin.AccessToken, passkey, "Laptop");

        _host.Time.Advance(TimeSpan.FromMinutes(6));
        var stale = (await _host.RefreshAsync(admin.RefreshToken)).Content.ReadFromJsonAsync<JsonElement>();
        var staleToken = (await stale).GetProperty("access_token").GetString()!;
        using (var refused = await _host.SendAsync(HttpMethod.Delete, $"/api/auth/passkeys/{passkey.Id}", staleToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("fresh-sign-in-required", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }

        var fresh = await _host.SignInAsync();
        using (var removed = await _host.SendAsync(HttpMethod.Delete, $"/api/auth/passkeys/{passkey.Id}", fresh.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        Assert.Empty((await ListAsync(_host, fresh.AccessToken)).EnumerateArray());
        using var gone = await SignInAsync(_host, passkey);
        Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
    }

    [Fact]
    public async Task AnAdminsReset_RemovesEveryPasskey_EndsTheSessions_AndIsAudited()
    {
        using var passkey = new SoftwarePasskey();
        var admin = await _host.SignInAsync();
        await CreateUserAsync(admin.AccessToken, "bob");
        var bob = await _host.SignInAsync("bob", "bob-password-123");
        await RegisterAsync(_host, bob.AccessToken, passkey, "Phone");

        using (var reset = await _host.SendAsync(HttpMethod.Delete, "/api/users/bob/passkeys", admin.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        }

        using (var refreshed = await _host.RefreshAsync(bob.RefreshToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        }

        using var signIn = await SignInAsync(_host, passkey);
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        using var users = await _host.SendAsync(HttpMethod.Get, "/api/users", admin.AccessToken);
        var listedBob = (await users.Content.ReadFromJsonAsync<JsonElement>())
            .EnumerateArray()
            .Single(u => u.GetProperty("username").GetString() == "bob");
        Assert.Equal(0, listedBob.GetProperty("passkeys").GetInt32());
        var entry = Assert.Single(await _host.AuditAsync(admin.AccessToken), e => e.GetProperty("action").GetString() == "passkeys-reset");
        Assert.Equal("admin", entry.GetProperty("actor").GetString());
        Assert.Equal("1 passkey(s) removed", entry.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task TheResetCommand_RemovesAUsersPasskeys_AsTheCommandLine()
    {
        using var passkey = new SoftwarePasskey();
        var admin = await _host.SignInAsync();
        await RegisterAsync(_host, admin.AccessToken, passkey, "Laptop");

        var result = await Processes.RunBuiltAsync("AuthService", ["passkeys", "reset", "admin"], environment: _host.CommandEnvironment());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("1 passkey(s) of admin removed", result.StandardOutput, StringComparison.Ordinal);
        using var signIn = await SignInAsync(_host, passkey);
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        var entry = Assert.Single(await _host.AuditAsync((await _host.SignInAsync()).AccessToken), e =>
            e.GetProperty("action").GetString() == "passkeys-reset"
        );
        Assert.Equal("command-line", entry.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task WithMfaRequiredForAdmins_APasskeySatisfiesIt_AndThenThePasswordAloneIsRefused()
    {
        await using var host = new AuthHost(new Dictionary<string, string> { ["MFA_REQUIRED_FOR_ADMINS"] = "true" });
        using var passkey = new SoftwarePasskey();
        var enrolling = await host.SignInAsync();
        Assert.True(Jwt.Payload(enrolling.AccessToken).TryGetProperty("mfa_enroll", out _), "a password alone gives an enrolment token");

        await RegisterAsync(host, enrolling.AccessToken, passkey, "Laptop"); // open to an enrolment token

        using (var signIn = await SignInAsync(host, passkey))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
            Assert.False(Jwt.Payload(token).TryGetProperty("mfa_enroll", out _));
        }

        using var client = host.Client();
        using var password = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, password.StatusCode);
        Assert.Equal("passkey", (await password.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mfa").GetString());
    }

    [Fact]
    public async Task WithPasskeysRequiredForAdmins_AnAdminEnrolsOne_ThenPasswordAndCodeAreRefused()
    {
        await using var host = new AuthHost(new Dictionary<string, string> { ["PASSKEYS_REQUIRED_FOR_ADMINS"] = "true" });
        using var passkey = new SoftwarePasskey();
        var enrolling = await host.SignInAsync();
        Assert.True(Jwt.Payload(enrolling.AccessToken).TryGetProperty("mfa_enroll", out _));
        using (var me = await host.SendAsync(HttpMethod.Get, "/api/auth/me", enrolling.AccessToken))
        {
            var body = await me.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(body.GetProperty("passkeyRequired").GetBoolean());
            Assert.True(body.GetProperty("mfaSetupRequired").GetBoolean());
        }

        await RegisterAsync(host, enrolling.AccessToken, passkey, "Laptop");

        using var client = host.Client();
        using var password = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AuthHost.AdminPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, password.StatusCode);
        Assert.Equal("Passkey required", (await password.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        using var signIn = await SignInAsync(host, passkey);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }

    internal static async Task<JsonElement> RegisterAsync(AuthHost host, string token, SoftwarePasskey passkey, string name)
    {
        var (ceremony, options) = await BeginAsync(host, "/api/auth/passkeys/register/options", token);
        using var response = await FinishRegistrationAsync(host, token, ceremony, passkey.Create(options), name);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    internal static async Task<HttpResponseMessage> SignInAsync(AuthHost host, SoftwarePasskey passkey)
    {
        var (ceremony, options) = await BeginSignInAsync(host);
        return await FinishSignInAsync(host, ceremony, passkey.Get(options));
    }

    internal static async Task<(string Ceremony, JsonElement Options)> BeginSignInAsync(AuthHost host)
    {
        using var client = host.Client();
        using var response = await client.PostAsync("/api/auth/passkeys/login/options", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("ceremony").GetString()!, body.GetProperty("options").Clone());
    }

    internal static async Task<HttpResponseMessage> FinishSignInAsync(AuthHost host, string ceremony, JsonObject credential)
    {
        using var client = host.Client();
        return await client.PostAsJsonAsync("/api/auth/passkeys/login", new JsonObject { ["ceremony"] = ceremony, ["credential"] = credential });
    }

    private static async Task<(string Ceremony, JsonElement Options)> BeginAsync(AuthHost host, string path, string token)
    {
        using var response = await host.SendAsync(HttpMethod.Post, path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("ceremony").GetString()!, body.GetProperty("options").Clone());
    }

    private static Task<HttpResponseMessage> FinishRegistrationAsync(
        AuthHost host,
        string token,
        string ceremony,
        JsonObject credential,
        string name
    ) =>
        host.SendAsync(
            HttpMethod.Post,
            "/api/auth/passkeys/register",
            token,
            new JsonObject
            {
                ["ceremony"] = ceremony,
                ["name"] = name,
                ["credential"] = JsonNode.Parse(credential.ToJsonString()),
            }
        );

    private static async Task<JsonElement> ListAsync(AuthHost host, string token)
    {
        using var response = await host.SendAsync(HttpMethod.Get, "/api/auth/passkeys", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").Clone();
    }

    private async Task CreateUserAsync(string adminToken, string username)
    {
        using var created = await _host.SendAsync(
            HttpMethod.Post,
            "/api/users",
            adminToken,
            new
            {
                username,
                password = "bob-password-123",
                role = "viewer",
            }
        );
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}

/// <summary>A ceremony begun on one AuthService replica is finished on another (one PostgreSQL database).</summary>
public sealed class PasskeyReplicaTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task RegisteringAndSigningIn_BeginOnOneReplica_AndFinishOnTheOther()
    {
        var url = postgres.Server.UrlFor(await postgres.Server.CreateDatabaseAsync());
        await using var one = new AuthHost(new Dictionary<string, string> { ["DATABASE_URL"] = url });
        await using var two = new AuthHost(new Dictionary<string, string> { ["DATABASE_URL"] = url }, one.DataDirectory); // same keys
        using var passkey = new SoftwarePasskey();
        var admin = await one.SignInAsync();

        using var beginning = await one.SendAsync(HttpMethod.Post, "/api/auth/passkeys/register/options", admin.AccessToken);
        var begun = await beginning.Content.ReadFromJsonAsync<JsonElement>();
        using (
            var finished = await two.SendAsync(
                HttpMethod.Post,
                "/api/auth/passkeys/register",
                admin.AccessToken,
                new JsonObject
                {
                    ["ceremony"] = begun.GetProperty("ceremony").GetString(),
                    ["name"] = "Laptop",
                    ["credential"] = passkey.Create(begun.GetProperty("options")),
                }
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, finished.StatusCode);
        }

        var (ceremony, options) = await PasskeyTests.BeginSignInAsync(two);
        var assertion = passkey.Get(options);
        using (var signIn = await PasskeyTests.FinishSignInAsync(one, ceremony, assertion))
        {
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        }

        // Taken once, whichever replica is asked again.
        using var again = await PasskeyTests.FinishSignInAsync(two, ceremony, passkey.Get(options));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }
}
