using System.Net;
using System.Net.Http.Json;
using System.Tests.Browser;
using System.Tests.Infrastructure;
using System.Text;
using System.Text.Json;

namespace System.Tests.ApiDocs;

/// <summary>
/// Every public operation, called as a client generated from the published document would call it, through the real
/// system: <see cref="RunningSystem.Client"/> fails any exchange the document does not describe (an undocumented status,
/// a response missing a required field, a successful request the document would refuse).
/// </summary>
[Collection(RunScriptGroup.Name)]
public sealed class ApiContractTests(BrowserFixture fixture)
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task SignIn_Refresh_Me_AndSignOut_FitTheDocument()
    {
        using var client = System.Client();
        using (var malformed = await client.PostAsync("/api/auth/login", new StringContent("{", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        }

        using (
            var wrong = await client.PostAsJsonAsync("/api/auth/login", new { username = System.AdminUsername, password = "not-the-admin-password" })
        )
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = System.AdminUsername, password = System.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var tokens = await signIn.Content.ReadFromJsonAsync<JsonElement>();

        // An API client refreshes with the body; a browser with its cookie and no body at all.
        using var byBody = await client.PostAsJsonAsync("/api/auth/refresh", new { refresh_token = tokens.GetProperty("refresh_token").GetString() });
        Assert.Equal(HttpStatusCode.OK, byBody.StatusCode);
        var token = (await byBody.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        var refreshCookie = byBody
            .Headers.GetValues("Set-Cookie")
            .Single(c => c.StartsWith("__Secure-refresh=", StringComparison.Ordinal))
            .Split(';')[0];
        using var byCookie = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        byCookie.Headers.Add("Cookie", refreshCookie);
        byCookie.Headers.Add("Origin", System.Url.GetLeftPart(UriPartial.Authority)); // as a browser sends it
        using var refreshed = await client.SendAsync(byCookie);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.False(
            (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("access_token", out _),
            "a browser's tokens stay in cookies"
        );

        using (var me = await client.SendAsync(Authorized(HttpMethod.Get, "/api/auth/me", token)))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }

        using (var status = await client.SendAsync(Authorized(HttpMethod.Get, "/api/auth/mfa/totp", token)))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }

        using (var jwks = await client.GetAsync("/.well-known/jwks.json"))
        {
            Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);
        }

        using (var discovery = await client.GetAsync("/.well-known/openid-configuration"))
        {
            Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        }

        using var signOut = await client.SendAsync(Authorized(HttpMethod.Post, "/api/auth/logout", token));
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
    }

    [Fact]
    public async Task UserManagement_IncludingAPartialUpdate_FitsTheDocument()
    {
        using var client = System.Client();
        var admin = await AdminTokenAsync(client);
        var username = "contract" + Guid.NewGuid().ToString("N")[..8];

        using (
            var created = await client.SendAsync(
                Authorized(
                    HttpMethod.Post,
                    "/api/users",
                    admin,
                    new
                    {
                        username,
                        password = "a-long-enough-password",
                        role = "viewer",
                    }
                )
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // Only the role: a generated client must not be forced to send a password.
        using (var promoted = await client.SendAsync(Authorized(HttpMethod.Put, $"/api/users/{username}", admin, new { role = "admin" })))
        {
            Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        }

        using (
            var reset = await client.SendAsync(
                Authorized(HttpMethod.Put, $"/api/users/{username}", admin, new { password = "another-long-password" })
            )
        )
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        }

        using (var list = await client.SendAsync(Authorized(HttpMethod.Get, "/api/users", admin)))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        using (var missing = await client.SendAsync(Authorized(HttpMethod.Put, "/api/users/nobody-here", admin, new { disabled = true })))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var audit = await client.SendAsync(Authorized(HttpMethod.Get, "/api/audit/auth?limit=5", admin)))
        {
            Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        }

        using var deleted = await client.SendAsync(Authorized(HttpMethod.Delete, $"/api/users/{username}", admin));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Recordings_Callbacks_Audio_DeleteAndSync_FitTheDocument()
    {
        using var client = System.Client();
        var admin = await AdminTokenAsync(client);
        var sid = RunningSystem.NewRecordingSid();
        using (var stored = await System.PostCallbackAsync(sid))
        {
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        }

        using (
            var forged = new HttpRequestMessage(HttpMethod.Post, "/webhooks/recording")
            {
                Content = new FormUrlEncodedContent([new("RecordingSid", sid)]),
            }
        )
        {
            forged.Headers.Add("X-Twilio-Signature", "forged");
            using var refused = await client.SendAsync(forged);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        foreach (
            var (path, expected) in new[]
            {
                ("/api/recordings?limit=5", HttpStatusCode.OK),
                ("/api/recordings?limit=0", HttpStatusCode.BadRequest),
                ($"/api/recordings/{sid}", HttpStatusCode.OK),
                ("/api/recordings/not-a-sid", HttpStatusCode.BadRequest),
                ($"/api/recordings/{RunningSystem.NewRecordingSid()}", HttpStatusCode.NotFound),
                ($"/api/recordings/{sid}/audio?format=ogg", HttpStatusCode.BadRequest),
                ("/api/audit/recordings?limit=5", HttpStatusCode.OK),
            }
        )
        {
            using var response = await client.SendAsync(Authorized(HttpMethod.Get, path, admin));
            Assert.True(response.StatusCode == expected, $"GET {path}: {(int)response.StatusCode}");
        }

        using (var audio = await client.SendAsync(Authorized(HttpMethod.Get, $"/api/recordings/{sid}/audio", admin)))
        {
            Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
        }

        using (var sync = await client.SendAsync(Authorized(HttpMethod.Post, "/api/recordings/sync", admin)))
        {
            Assert.Contains(sync.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.BadGateway }); // the fake Twilio lists nothing
        }

        using var deleted = await client.SendAsync(Authorized(HttpMethod.Delete, $"/api/recordings/{sid}", admin));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    private async Task<string> AdminTokenAsync(HttpClient client)
    {
        using var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = System.AdminUsername, password = System.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        return (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", token);
        return request;
    }
}
