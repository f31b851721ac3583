using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Platform.Security.Tokens;
using RecordingsService.Audit;
using Services.Tests.Infrastructure;

namespace Services.Tests.Recordings;

/// <summary>
/// A live socket ends (1008 "session ended") whenever the HTTP path would refuse its token: signed out, every session
/// revoked, the user disabled, demoted, deleted or given a new password, its signing key retired, or the token expired.
/// Through the real RecordingsService and AuthService: the revocation feed, the command line, JWKS.
/// </summary>
public sealed class LiveSocketSessionTests
{
    private const string Password = "vera-s-own-password";

    [Theory]
    [InlineData("sign-out")]
    [InlineData("revoke-all")]
    [InlineData("disabled")]
    [InlineData("demoted")]
    [InlineData("deleted")]
    [InlineData("password-reset")]
    public async Task ASocket_EndsWithItsSession(string change)
    {
        await using var host = new RecordingsHost();
        await host.StartAsync();
        var admin = await host.Auth.SignInAsync();
        using (
            var created = await host.Auth.SendAsync(
                HttpMethod.Post,
                "/api/users",
                admin.AccessToken,
                new
                {
                    username = "vera",
                    password = Password,
                    role = "admin",
                }
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var vera = await host.Auth.SignInAsync("vera", Password);
        using var socket = await ConnectAsync(host, vera.AccessToken);
        using var response = change switch
        {
            "sign-out" => await host.Auth.SendAsync(HttpMethod.Post, "/api/auth/logout", vera.AccessToken),
            "disabled" => await host.Auth.SendAsync(HttpMethod.Put, "/api/users/vera", admin.AccessToken, new { disabled = true }),
            "demoted" => await host.Auth.SendAsync(HttpMethod.Put, "/api/users/vera", admin.AccessToken, new { role = "viewer" }),
            "deleted" => await host.Auth.SendAsync(HttpMethod.Delete, "/api/users/vera", admin.AccessToken),
            "password-reset" => await host.Auth.SendAsync(
                HttpMethod.Put,
                "/api/users/vera",
                admin.AccessToken,
                new { password = "a-new-password-for-vera" }
            ),
            _ => null,
        };
        if (change == "revoke-all")
        {
            var revoked = await Processes.RunBuiltAsync("AuthService", ["sessions", "revoke-all"], environment: host.Auth.CommandEnvironment());
            Assert.Equal(0, revoked.ExitCode);
        }
        else
        {
            Assert.True(response!.IsSuccessStatusCode, $"{change}: {(int)response.StatusCode}");
        }

        await AssertClosedAsync(socket);
    }

    [Fact]
    public async Task ASocket_EndsWhenItsTokensSigningKeyIsRetired()
    {
        await using var host = new RecordingsHost();
        await host.StartAsync();
        var admin = await host.Auth.SignInAsync();
        var oldKid = Jwt.Header(admin.AccessToken).GetProperty("kid").GetString()!;
        using var socket = await ConnectAsync(host, admin.AccessToken);

        var environment = host.Auth.CommandEnvironment();
        Assert.Equal(0, (await Processes.RunBuiltAsync("AuthService", ["keys", "new", "--now"], environment: environment)).ExitCode);
        Assert.Equal(0, (await Processes.RunBuiltAsync("AuthService", ["keys", "retire", oldKid], environment: environment)).ExitCode);
        // The service's next JWKS read (every 30 s; here at once) no longer finds the key.
        Assert.True(await host.Services.GetRequiredService<JwksKeyCache>().RefreshAsync(CancellationToken.None));

        await AssertClosedAsync(socket);
    }

    [Fact]
    public async Task ASocket_EndsWhenItsTokenExpires()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new RecordingsHost { Time = time };
        await host.StartAsync();
        var admin = await host.Auth.SignInAsync();
        using var socket = await ConnectAsync(host, admin.AccessToken);
        var expires = DateTimeOffset.FromUnixTimeSeconds(Jwt.Payload(admin.AccessToken).GetProperty("exp").GetInt64());

        // Past the expiry and its 30 s of clock skew, on the service's clock; its check comes every 2 s of that clock.
        time.SetUtcNow(expires + TokenConventions.ClockSkew + TimeSpan.FromSeconds(1));
        var closing = AssertClosedAsync(socket);
        await Wait.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(2));
                return closing.IsCompleted;
            },
            TimeSpan.FromSeconds(15),
            "the socket is closed"
        );
        await closing;
    }

    [Fact]
    public async Task AReplayOfChangedRecordings_IsAuditedAsAListView()
    {
        await using var host = new RecordingsHost();
        await host.StartAsync();
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        using var anonymous = host.Client();
        foreach (var sid in new[] { RecordingsHost.NewRecordingSid(), RecordingsHost.NewRecordingSid() })
        {
            using var stored = await anonymous.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid)));
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        }

        var viewer = await host.ViewerTokenAsync();
        using (var socket = await ConnectAsync(host, viewer, since))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        await host.Services.GetRequiredService<ListViews>().FlushAsync(CancellationToken.None);
        using var admin = host.Client(await host.AdminTokenAsync());
        var audit = await admin.GetStringAsync("/api/audit/recordings?limit=50");
        var entries = JsonDocument.Parse(audit).RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(entries, entry =>
            entry.GetProperty("action").GetString() == "list"
            && entry.GetProperty("actor").GetString() == "vera"
            && entry.GetProperty("detail").GetString()!.StartsWith("1 list, 2 recordings shown", StringComparison.Ordinal)
        );
    }

    private static async Task<WebSocket> ConnectAsync(RecordingsHost host, string token, DateTimeOffset? since = null)
    {
        var client = host.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = "Bearer " + token;
        var query = since is null ? "" : "?since=" + Uri.EscapeDataString(since.Value.ToString("O"));
        var socket = await client.ConnectAsync(new Uri(host.Server.BaseAddress, "ws" + query), CancellationToken.None);
        var buffer = new byte[4096];
        var first = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("connected", JsonDocument.Parse(buffer.AsMemory(0, first.Count)).RootElement.GetProperty("type").GetString());
        return socket;
    }

    // Within a few seconds: the feed is polled every second here, the hub checks every 2 s.
    private static async Task AssertClosedAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, timeout.Token);
        } while (received.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, received.CloseStatus);
        Assert.Equal("session ended", received.CloseStatusDescription);
    }
}
