using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Web;
using AuthService.Audit;
using Services.Tests.Infrastructure;
using TestSupport;

namespace Services.Tests.Auth;

/// <summary>TOTP second factor: enrolment, sign-in with a code or recovery code, turning off, admin reset, and MFA_REQUIRED_FOR_ADMINS.</summary>
public sealed class SecondFactorTests : IAsyncLifetime
{
    private const string BobPassword = "bob-password-123";
    private readonly AuthHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void TheTestsOwnCalculator_MatchesRfc6238sTestVector()
    {
        // RFC 6238 appendix B, SHA-1: key "12345678901234567890", T = 59 s gives 94287082 (8 digits).
        Assert.Equal("94287082", TotpCalculator.CodeForStep("12345678901234567890"u8.ToArray(), 59 / 30, 8));
        Assert.Equal("07081804", TotpCalculator.CodeForStep("12345678901234567890"u8.ToArray(), 1111111109 / 30, 8));
    }

    [Fact]
    public async Task Setup_GivesASecret_ItsOtpauthUri_AndAQrCodeDrawnLocally()
    {
        var bob = await CreateAndSignInBobAsync();

        using var response = await _host.SendAsync(HttpMethod.Post, "/api/auth/mfa/totp/setup", bob.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var setup = await response.Content.ReadFromJsonAsync<JsonElement>();
        var secret = setup.GetProperty("secret").GetString()!;
        Assert.Equal(20, TotpCalculator.Base32(secret).Length);
        var uri = new Uri(setup.GetProperty("otpauthUri").GetString()!);
        Assert.Equal("otpauth", uri.Scheme);
        Assert.Equal("totp", uri.Host);
        Assert.EndsWith(":bob", Uri.UnescapeDataString(uri.AbsolutePath), StringComparison.Ordinal);
        var query = HttpUtility.ParseQueryString(uri.Query);
        Assert.Equal(secret, query["secret"]);
        Assert.Equal("SHA1", query["algorithm"]);
        Assert.Equal("6", query["digits"]);
        Assert.Equal("30", query["period"]);
        var svg = setup.GetProperty("qrSvg").GetString()!;
        Assert.StartsWith("<svg", svg.TrimStart(), StringComparison.Ordinal);
        Assert.DoesNotContain("href", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);

        // Not on until confirmed: the password alone still signs in.
        await _host.SignInAsync("bob", BobPassword);
    }

    [Fact]
    public async Task Confirm_WithAWrongCode_TurnsNothingOn_WithTheRightOne_GivesTenRecoveryCodes()
    {
        var bob = await CreateAndSignInBobAsync();
        var secret = await SetupAsync(bob.AccessToken);

        foreach (
            var (body, status) in new (object, HttpStatusCode)[]
            {
                (new { code = WrongCode(secret) }, HttpStatusCode.BadRequest),
                (new { code = "12345" }, HttpStatusCode.BadRequest),
                (new { code = "abcdef" }, HttpStatusCode.BadRequest),
                (new { }, HttpStatusCode.BadRequest),
                (new { code = 123456 }, HttpStatusCode.BadRequest),
            }
        )
        {
            using var refused = await _host.SendAsync(HttpMethod.Post, "/api/auth/mfa/totp/confirm", bob.AccessToken, body);
            Assert.Equal(status, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.False((await MeAsync(bob.AccessToken)).GetProperty("mfa").GetBoolean());
        await _host.SignInAsync("bob", BobPassword);

        var codes = await ConfirmAsync(bob.AccessToken, secret);
        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[a-z2-7]{5}-[a-z2-7]{5}$", c));
        Assert.True((await MeAsync(bob.AccessToken)).GetProperty("mfa").GetBoolean());

        // Once on, neither a new setup nor a second confirmation.
        using var again = await _host.SendAsync(HttpMethod.Post, "/api/auth/mfa/totp/setup", bob.AccessToken);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var reconfirm = await _host.SendAsync(
            HttpMethod.Post,
            "/api/auth/mfa/totp/confirm",
            bob.AccessToken,
            new { code = TotpCalculator.Code(secret, _host.Time.GetUtcNow()) }
        );
        Assert.Equal(HttpStatusCode.Conflict, reconfirm.StatusCode);
        var admin = await _host.SignInAsync();
        Assert.Contains(await _host.AuditAsync(admin.AccessToken), e =>
            e.GetProperty("action").GetString() == "mfa-enabled" && e.GetProperty("target").GetString() == "bob"
        );
    }

    [Fact]
    public async Task Confirm_WithoutSetup_IsAConflict()
    {
        var bob = await CreateAndSignInBobAsync();
        using var response = await _host.SendAsync(HttpMethod.Post, "/api/auth/mfa/totp/confirm", bob.AccessToken, new { code = "123456" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task SignIn_WithASecondFactor_NeedsAFreshCode_EachAcceptedOnce()
    {
        var bob = await CreateAndSignInBobAsync();
        var secret = await SetupAsync(bob.AccessToken);
        await ConfirmAsync(bob.AccessToken, secret);
        _host.Time.Advance(TimeSpan.FromSeconds(30)); // the confirming code's step is spent

        // Right password, no code or a wrong one: 401 that names the second factor; no session, no cookie.
        foreach (var code in new[] { null, "", WrongCode(secret), "000000x", "aaaaa-bbbbb" })
        {
            using var refused = await LoginAsync("bob", BobPassword, code);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal("totp", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mfa").GetString());
            Assert.False(refused.Headers.Contains("Set-Cookie"));
        }

        // A wrong password with a right code says nothing about the second factor: the same bytes as any wrong password.
        using var wrongPassword = await LoginAsync("bob", "not-the-password", TotpCalculator.Code(secret, _host.Time.GetUtcNow()));
        using var unknownUser = await LoginAsync("nobody", "not-the-password", null);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(await unknownUser.Content.ReadAsStringAsync(), await wrongPassword.Content.ReadAsStringAsync());

        var now = _host.Time.GetUtcNow();
        using (var accepted = await LoginAsync("bob", BobPassword, Spaced(TotpCalculator.Code(secret, now))))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        // The same code again, within its 30 s: refused (someone watching the screen cannot reuse it).
        using (var replay = await LoginAsync("bob", BobPassword, TotpCalculator.Code(secret, now)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        }

        // One step of drift is allowed (a phone's clock a little behind), two are not.
        _host.Time.Advance(TimeSpan.FromSeconds(60));
        using (var behind = await LoginAsync("bob", BobPassword, TotpCalculator.Code(secret, _host.Time.GetUtcNow() - TimeSpan.FromSeconds(30))))
        {
            Assert.Equal(HttpStatusCode.OK, behind.StatusCode);
        }

        _host.Time.Advance(TimeSpan.FromSeconds(90));
        using (var stale = await LoginAsync("bob", BobPassword, TotpCalculator.Code(secret, _host.Time.GetUtcNow() - TimeSpan.FromSeconds(60))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        }

        var admin = await _host.SignInAsync();
        var audit = await _host.AuditAsync(admin.AccessToken);
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "sign-in" && e.GetProperty("detail").GetString() == "code-required");
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "sign-in" && e.GetProperty("detail").GetString() == "wrong-code");
        Assert.Contains(audit, e =>
            e.GetProperty("action").GetString() == "sign-in"
            && e.GetProperty("outcome").GetString() == "success"
            && e.GetProperty("detail").GetString() == "with a totp"
        );
    }

    [Fact]
    public async Task ARecoveryCode_SignsInOnce()
    {
        var bob = await CreateAndSignInBobAsync();
        var secret = await SetupAsync(bob.AccessToken);
        var codes = await ConfirmAsync(bob.AccessToken, secret);

        using (var first = await LoginAsync("bob", BobPassword, codes[3].ToUpperInvariant()))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var second = await LoginAsync("bob", BobPassword, codes[3]))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        }

        using var status = await _host.SendAsync(HttpMethod.Get, "/api/auth/mfa/totp", bob.AccessToken);
        var state = await status.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(state.GetProperty("enabled").GetBoolean());
        Assert.Equal(9, state.GetProperty("recoveryCodesLeft").GetInt32());
    }

    [Fact]
    public async Task Login_WithACodeThatIsNoString_OrTooLong_IsABadRequest()
    {
        using var client = _host.Client();
        using var number = await client.PostAsJsonAsync(
            "/api/auth/login",
            new
            {
                username = "admin",
                password = AuthHost.AdminPassword,
                code = 123456,
            }
        );
        using var tooLong = await client.PostAsJsonAsync(
            "/api/auth/login",
            new
            {
                username = "admin",
                password = AuthHost.AdminPassword,
                code = new string('1', 65),
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, number.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    [Fact]
    public async Task TurningItOff_NeedsACurrentCode()
    {
        var bob = await CreateAndSignInBobAsync();
        using (var none = await _host.SendAsync(HttpMethod.Delete, "/api/auth/mfa/totp", bob.AccessToken, new { code = "123456" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }

        var secret = await SetupAsync(bob.AccessToken);
        await ConfirmAsync(bob.AccessToken, secret);
        _host.Time.Advance(TimeSpan.FromSeconds(30));

        foreach (var body in new object[] { new { }, new { code = WrongCode(secret) } })
        {
            using var refused = await _host.SendAsync(HttpMethod.Delete, "/api/auth/mfa/totp", bob.AccessToken, body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        using (
            var off = await _host.SendAsync(
                HttpMethod.Delete,
                "/api/auth/mfa/totp",
                bob.AccessToken,
                new { code = TotpCalculator.Code(secret, _host.Time.GetUtcNow()) }
            )
        )
        {
            Assert.Equal(HttpStatusCode.NoContent, off.StatusCode);
        }

        await _host.SignInAsync("bob", BobPassword);
        var admin = await _host.SignInAsync();
        Assert.Contains(await _host.AuditAsync(admin.AccessToken), e =>
            e.GetProperty("action").GetString() == "mfa-disabled" && e.GetProperty("target").GetString() == "bob"
        );
    }

    [Fact]
    public async Task WrongCodes_ToConfirmOrTurnOff_AreAuditedPerUser_AndTheirBurstAlerts()
    {
        var bob = await CreateAndSignInBobAsync();
        var secret = await SetupAsync(bob.AccessToken);
        using (
            var wrongConfirm = await _host.SendAsync(HttpMethod.Post, "/api/auth/mfa/totp/confirm", bob.AccessToken, new { code = WrongCode(secret) })
        )
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrongConfirm.StatusCode);
        }

        await ConfirmAsync(bob.AccessToken, secret);
        _host.Time.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < SignInMonitor.WarningThreshold; i++)
        {
            using var wrong = await _host.SendAsync(HttpMethod.Delete, "/api/auth/mfa/totp", bob.AccessToken, new { code = WrongCode(secret) });
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        var admin = await _host.SignInAsync();
        var audit = await _host.AuditAsync(admin.AccessToken);
        Assert.Single(audit, e =>
            e.GetProperty("action").GetString() == "mfa-code"
            && e.GetProperty("target").GetString() == "bob"
            && e.GetProperty("detail").GetString() == "wrong-code (confirm)"
        );
        Assert.Equal(
            SignInMonitor.WarningThreshold,
            audit.Count(e =>
                e.GetProperty("action").GetString() == "mfa-code"
                && e.GetProperty("target").GetString() == "bob"
                && e.GetProperty("detail").GetString() == "wrong-code (turn off)"
            )
        );
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "sign-in-alert" && e.GetProperty("target").GetString() == "bob");
    }

    [Fact]
    public async Task AnAdminReset_RemovesTheSecondFactor_AndEndsTheUsersSessions()
    {
        var bob = await CreateAndSignInBobAsync();
        var secret = await SetupAsync(bob.AccessToken);
        await ConfirmAsync(bob.AccessToken, secret);
        var admin = await _host.SignInAsync();

        using (var byViewer = await _host.SendAsync(HttpMethod.Delete, "/api/users/bob/mfa", bob.AccessToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        }

        using (var unknown = await _host.SendAsync(HttpMethod.Delete, "/api/users/nobody/mfa", admin.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var users = await (await _host.SendAsync(HttpMethod.Get, "/api/users/", admin.AccessToken)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(users.EnumerateArray().Single(u => u.GetProperty("username").GetString() == "bob").GetProperty("mfa").GetBoolean());

        using (var reset = await _host.SendAsync(HttpMethod.Delete, "/api/users/bob/mfa", admin.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        }

        using (var refresh = await _host.RefreshAsync(bob.RefreshToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        }

        Assert.Contains(bob.SessionId, await _host.RevokedSessionsAsync());
        await _host.SignInAsync("bob", BobPassword);
        Assert.Contains(await _host.AuditAsync(admin.AccessToken), e =>
            e.GetProperty("action").GetString() == "mfa-reset"
            && e.GetProperty("actor").GetString() == "admin"
            && e.GetProperty("target").GetString() == "bob"
        );
    }

    [Fact]
    public async Task ADeletedUser_TakesTheSecondFactorAlong()
    {
        var bob = await CreateAndSignInBobAsync();
        await ConfirmAsync(bob.AccessToken, await SetupAsync(bob.AccessToken));
        var admin = await _host.SignInAsync();
        using (var deleted = await _host.SendAsync(HttpMethod.Delete, "/api/users/bob", admin.AccessToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // A new account under the same name starts without one.
        await CreateAndSignInBobAsync();
    }

    [Fact]
    public async Task ResetCommand_RemovesTheSecondFactor_OfTheRunningServicesUser()
    {
        var bob = await CreateAndSignInBobAsync();
        await ConfirmAsync(bob.AccessToken, await SetupAsync(bob.AccessToken));

        var (exitCode, stdout, _) = await Processes.RunBuiltAsync("AuthService", ["mfa", "reset", "Bob"], environment: _host.CommandEnvironment());

        Assert.Equal(0, exitCode);
        Assert.Contains("bob's second factor is removed and 1 session(s) ended", stdout, StringComparison.Ordinal);
        await _host.SignInAsync("bob", BobPassword);

        var (unknownExit, _, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            ["mfa", "reset", "nobody"],
            environment: _host.CommandEnvironment()
        );
        Assert.Equal(1, unknownExit);
        Assert.Contains("no user named nobody", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenRequiredForAdmins_AnAdminWithoutOne_ReachesOnlyTheEnrolment_UntilConfirmed()
    {
        await using var host = new AuthHost(new Dictionary<string, string> { ["MFA_REQUIRED_FOR_ADMINS"] = "true" });
        var admin = await host.SignInAsync();
        Assert.Equal("totp", Jwt.Payload(admin.AccessToken).GetProperty("mfa_enroll").GetString());

        using (var users = await host.SendAsync(HttpMethod.Get, "/api/users/", admin.AccessToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
            Assert.Equal("application/problem+json", users.Content.Headers.ContentType?.MediaType);
            Assert.Equal("totp-setup-required", (await users.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mfa").GetString());
        }

        using (var status = await host.SendAsync(HttpMethod.Get, "/api/auth/mfa/totp", admin.AccessToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, status.StatusCode);
        }

        using (var me = await host.SendAsync(HttpMethod.Get, "/api/auth/me", admin.AccessToken))
        {
            Assert.True((await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mfaSetupRequired").GetBoolean());
        }

        using (var setup = await host.SendAsync(HttpMethod.Post, "/api/auth/mfa/totp/setup", admin.AccessToken))
        {
            var secret = (await setup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
            using var confirm = await host.SendAsync(
                HttpMethod.Post,
                "/api/auth/mfa/totp/confirm",
                admin.AccessToken,
                new { code = TotpCalculator.Code(secret, host.Time.GetUtcNow()) }
            );
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        }

        // The session's next token (the dashboard refreshes after confirming) reaches everything.
        using var refreshed = await host.RefreshAsync(admin.RefreshToken);
        var access = (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        Assert.False(Jwt.Payload(access).TryGetProperty("mfa_enroll", out _));
        using var allowed = await host.SendAsync(HttpMethod.Get, "/api/users/", access);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        // Viewers are not asked.
        using var created = await host.SendAsync(
            HttpMethod.Post,
            "/api/users/",
            access,
            new
            {
                username = "vera",
                password = BobPassword,
                role = "viewer",
            }
        );
        var vera = await host.SignInAsync("vera", BobPassword);
        Assert.False(Jwt.Payload(vera.AccessToken).TryGetProperty("mfa_enroll", out _));
    }

    private async Task<SignIn> CreateAndSignInBobAsync()
    {
        var admin = await _host.SignInAsync();
        using var created = await _host.SendAsync(
            HttpMethod.Post,
            "/api/users/",
            admin.AccessToken,
            new
            {
                username = "bob",
                password = BobPassword,
                role = "viewer",
            }
        );
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await _host.SignInAsync("bob", BobPassword);
    }

    private async Task<string> SetupAsync(string accessToken)
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/api/auth/mfa/totp/setup", accessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    private async Task<IReadOnlyList<string>> ConfirmAsync(string accessToken, string secret)
    {
        using var response = await _host.SendAsync(
            HttpMethod.Post,
            "/api/auth/mfa/totp/confirm",
            accessToken,
            new { code = TotpCalculator.Code(secret, _host.Time.GetUtcNow()) }
        );
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return
        [
            .. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!),
        ];
    }

    private async Task<JsonElement> MeAsync(string accessToken)
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/api/auth/me", accessToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<HttpResponseMessage> LoginAsync(string username, string password, string? code)
    {
        using var client = _host.Client();
        return await client.PostAsJsonAsync(
            "/api/auth/login",
            new
            {
                username,
                password,
                code,
            }
        );
    }

    // A code of none of the accepted steps (the current one ±1).
    private string WrongCode(string secret)
    {
        var now = _host.Time.GetUtcNow();
        var valid = new[] { -30, 0, 30 }.Select(s => TotpCalculator.Code(secret, now.AddSeconds(s))).ToHashSet();
        return Enumerable.Range(0, 1000).Select(i => i.ToString("000000", CultureInfo.InvariantCulture)).First(c => !valid.Contains(c));
    }

    private static string Spaced(string code) => code[..3] + " " + code[3..];
}
