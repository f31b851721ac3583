using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Tests.Infrastructure;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace System.Tests.Replicas;

/// <summary>
/// Two AuthService and two RecordingsService replicas on one PostgreSQL database and one Redis, behind the gateways
/// (<see cref="ReplicatedSystem"/>): whichever replica a request reaches, it sees the same users, sessions and
/// recordings; live events and revocations reach every replica. The verifiers poll the revocation feed only once a
/// minute there, so a revocation seen sooner came by Redis.
/// </summary>
[Collection(WholeSystem.Name)]
[Trait(RunsAlone.Trait, RunsAlone.Value)]
public sealed class SharedDatabaseTests(ReplicatedSystemFixture fixture) : IClassFixture<ReplicatedSystemFixture>
{
    private ReplicatedSystem System => fixture.System;

    [Fact]
    public async Task AUserCreatedThroughTheGateway_SignsInOnEveryReplica_AndASignOutOnOneEndsTheSessionOnAll()
    {
        using var client = ReplicatedSystem.Client(System.Gateways[0]);
        var admin = await SignInAsync(client, "admin", ReplicatedSystem.AdminPassword);
        var username = "carol" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        using (
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/users")
            {
                Content = JsonContent.Create(
                    new
                    {
                        username,
                        password = "carol-password-1",
                        role = "viewer",
                    }
                ),
            }
        )
        {
            request.Headers.Authorization = new("Bearer", admin.AccessToken);
            using var created = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var sessions = new List<(string AccessToken, string RefreshToken)>();
        foreach (var replica in System.AuthReplicas)
        {
            using var direct = ReplicatedSystem.Direct(replica);
            sessions.Add(await SignInAsync(direct, username, "carol-password-1"));
        }

        // Signed out on replica 2: replica 1 refuses that session's refresh token at once (one database).
        using (var second = ReplicatedSystem.Direct(System.AuthReplicas[1]))
        using (var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout"))
        {
            logout.Headers.Authorization = new("Bearer", sessions[0].AccessToken);
            using var loggedOut = await second.SendAsync(logout);
            Assert.True(loggedOut.IsSuccessStatusCode, $"logout answered {loggedOut.StatusCode}");
        }

        using var first = ReplicatedSystem.Direct(System.AuthReplicas[0]);
        using var refreshed = await first.PostAsJsonAsync("/api/auth/refresh", new { refresh_token = sessions[0].RefreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        using var stillValid = await first.PostAsJsonAsync("/api/auth/refresh", new { refresh_token = sessions[1].RefreshToken });
        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);

        // The RecordingsService replicas and the gateway, which poll the feed once a minute here, refuse it within
        // seconds: the revocation was pushed through Redis.
        foreach (var replica in System.RecordingsReplicas)
        {
            using var direct = ReplicatedSystem.Direct(replica);
            direct.DefaultRequestHeaders.Authorization = new("Bearer", sessions[0].AccessToken);
            await Wait.UntilAsync(
                async () => (await direct.GetAsync("/api/recordings")).StatusCode == HttpStatusCode.Unauthorized,
                TimeSpan.FromSeconds(3),
                "the signed-out session is refused by every RecordingsService replica"
            );
        }

        using var throughGateway = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        throughGateway.Headers.Authorization = new("Bearer", sessions[0].AccessToken);
        using var refusedAtTheGateway = await client.SendAsync(throughGateway);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedAtTheGateway.StatusCode);
    }

    [Fact]
    public async Task AChangeOnEitherReplica_ReachesTheDashboardsOfBoth_AndAReconnectReplaysWhatItMissed()
    {
        using var client = ReplicatedSystem.Client(System.Gateways[0]);
        var token = (await SignInAsync(client, "admin", ReplicatedSystem.AdminPassword)).AccessToken;
        using var first = await ConnectAsync(System.RecordingsReplicas[0], token, since: null);
        using var second = await ConnectAsync(System.RecordingsReplicas[1], token, since: null);
        var cursor = (await ReceiveAsync(second)).GetProperty("at").GetString()!;
        await ReceiveAsync(first);

        var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using (var direct = ReplicatedSystem.Direct(System.RecordingsReplicas[0]))
        using (var stored = await direct.SendAsync(System.Callback(sid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode); // stored by replica 1
        }

        foreach (var socket in new[] { first, second })
        {
            Assert.Equal(sid, (await ReceiveAsync(socket)).GetProperty("recording").GetProperty("sid").GetString());
        }

        // Replica 2's dashboard goes away; a change arrives meanwhile; it comes back (to replica 1) from its cursor.
        await second.CloseAsync(WebSocketCloseStatus.NormalClosure, "away", CancellationToken.None);
        var missed = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using (var stored = await client.SendAsync(System.Callback(missed)))
        {
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        }

        using var back = await ConnectAsync(System.RecordingsReplicas[0], token, since: cursor);
        Assert.Equal("connected", (await ReceiveAsync(back)).GetProperty("type").GetString());
        var replayed = new List<string>();
        while (!replayed.Contains(missed))
        {
            replayed.Add((await ReceiveAsync(back)).GetProperty("recording").GetProperty("sid").GetString()!);
        }

        Assert.Contains(sid, replayed); // changed after the cursor too
    }

    [Fact]
    public async Task WhileRedisIsAway_EachReplicaServesItsOwnDashboards_AndWhenItIsBackEveryDashboardCatchesUp()
    {
        using var client = ReplicatedSystem.Client(System.Gateways[0]);
        var token = (await SignInAsync(client, "admin", ReplicatedSystem.AdminPassword)).AccessToken;
        using var first = await ConnectAsync(System.RecordingsReplicas[0], token, since: null);
        using var second = await ConnectAsync(System.RecordingsReplicas[1], token, since: null);
        await ReceiveAsync(first);
        await ReceiveAsync(second);
        var seenByFirst = Collect(first);
        var seenBySecond = Collect(second);

        await System.Redis.StopAsync();
        string ownOfFirst,
            ownOfSecond;
        try
        {
            // Each replica's own change reaches its own dashboard at once, Redis or not.
            ownOfFirst = await StoreAsync(System.RecordingsReplicas[0]);
            ownOfSecond = await StoreAsync(System.RecordingsReplicas[1]);
            await Wait.UntilAsync(
                () => seenByFirst.ContainsKey(ownOfFirst) && seenBySecond.ContainsKey(ownOfSecond),
                TimeSpan.FromSeconds(5),
                "each replica's own change reaches its own dashboard while Redis is away"
            );
        }
        finally
        {
            await System.Redis.StartAgainAsync();
        }

        // Back: the sockets stayed open, and each dashboard is sent what the other replica stored meanwhile.
        await Wait.UntilAsync(
            () => seenByFirst.ContainsKey(ownOfSecond) && seenBySecond.ContainsKey(ownOfFirst),
            TimeSpan.FromSeconds(30),
            "every dashboard caught up on the other replica's change"
        );
        var after = await StoreAsync(System.RecordingsReplicas[0]);
        await Wait.UntilAsync(
            () => seenByFirst.ContainsKey(after) && seenBySecond.ContainsKey(after),
            TimeSpan.FromSeconds(10),
            "events flow through Redis again"
        );
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        await second.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    private async Task<string> StoreAsync(Uri replica)
    {
        var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var direct = ReplicatedSystem.Direct(replica);
        using var stored = await direct.SendAsync(System.Callback(sid));
        Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        return sid;
    }

    // Every recording SID the socket receives, as it comes, until it closes.
    private static ConcurrentDictionary<string, byte> Collect(ClientWebSocket socket)
    {
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        _ = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                using var message = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
                if (message.RootElement.TryGetProperty("recording", out var recording))
                {
                    seen[recording.GetProperty("sid").GetString()!] = 0;
                }
            }
        });
        return seen;
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri replica, string token, string? since)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        var query = since is null ? "" : "?since=" + Uri.EscapeDataString(since);
        await socket.ConnectAsync(new Uri($"ws://{replica.Authority}/ws{query}"), CancellationToken.None);
        return socket;
    }

    // The next message within 3 s (a live event from another replica takes well under a second).
    private static Task<JsonElement> ReceiveAsync(ClientWebSocket socket) => LiveEvents.ReceiveAsync(socket, TimeSpan.FromSeconds(3));

    [Fact]
    public async Task ACallbackStoredThroughTheGateway_IsListedByEveryRecordingsReplica()
    {
        using var client = ReplicatedSystem.Client(System.Gateways[0]);
        var sids = Enumerable.Range(0, 4).Select(_ => "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))).ToList();
        foreach (var sid in sids)
        {
            using var callback = await client.SendAsync(System.Callback(sid));
            Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        }

        var token = (await SignInAsync(client, "admin", ReplicatedSystem.AdminPassword)).AccessToken;
        foreach (var replica in System.RecordingsReplicas)
        {
            using var direct = ReplicatedSystem.Direct(replica);
            direct.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var page = await direct.GetFromJsonAsync<JsonElement>("/api/recordings?limit=100");
            var listed = page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("sid").GetString()).ToHashSet();
            Assert.Superset(sids.ToHashSet(), listed!);
        }
    }

    [Fact]
    public async Task APasskeyCeremony_BegunOnOneAuthReplica_IsFinishedOnTheOther_AndSignsInThroughTheGateway()
    {
        using var passkey = new SoftwarePasskey();
        using var gateway = ReplicatedSystem.Client(System.Gateways[0]);
        var token = (await SignInAsync(gateway, "admin", ReplicatedSystem.AdminPassword)).AccessToken;
        using var first = ReplicatedSystem.Direct(System.AuthReplicas[0]);
        using var second = ReplicatedSystem.Direct(System.AuthReplicas[1]);
        first.DefaultRequestHeaders.Authorization = new("Bearer", token);
        second.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var registration = await BeginAsync(first, "/api/auth/passkeys/register/options");
        using (
            var registered = await second.PostAsJsonAsync(
                "/api/auth/passkeys/register",
                new JsonObject
                {
                    ["ceremony"] = registration.GetProperty("ceremony").GetString(),
                    ["name"] = "Replica test",
                    ["credential"] = passkey.Create(registration.GetProperty("options"), origin: System.PublicBaseUrl),
                }
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        var signIn = await BeginAsync(second, "/api/auth/passkeys/login/options");
        var assertion = new JsonObject
        {
            ["ceremony"] = signIn.GetProperty("ceremony").GetString(),
            ["credential"] = passkey.Get(signIn.GetProperty("options"), origin: System.PublicBaseUrl),
        };
        using (var signedIn = await first.PostAsJsonAsync("/api/auth/passkeys/login", assertion))
        {
            Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        }

        using (var replayed = await second.PostAsJsonAsync("/api/auth/passkeys/login", assertion))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode); // the ceremony was taken, on the other replica
        }

        // And as a client of the public site does it: both steps through the gateway, whichever replicas they reach.
        var throughGateway = await BeginAsync(gateway, "/api/auth/passkeys/login/options");
        using var viaGateway = await gateway.PostAsJsonAsync(
            "/api/auth/passkeys/login",
            new JsonObject
            {
                ["ceremony"] = throughGateway.GetProperty("ceremony").GetString(),
                ["credential"] = passkey.Get(throughGateway.GetProperty("options"), origin: System.PublicBaseUrl),
            }
        );
        Assert.Equal(HttpStatusCode.OK, viaGateway.StatusCode);
    }

    private static async Task<JsonElement> BeginAsync(HttpClient client, string path)
    {
        using var response = await client.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    private static async Task<(string AccessToken, string RefreshToken)> SignInAsync(HttpClient client, string username, string password)
    {
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }
}
