using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Replicas;

/// <summary>
/// Two AuthService and two RecordingsService replicas, each a real process with its own DATA_DIR, on one PostgreSQL
/// database (DATABASE_URL) and one Redis (REDIS_URL), behind the real gateway: whichever replica a request reaches, it
/// sees the same users, sessions and recordings; live events and revocations reach every replica. The verifiers poll
/// the revocation feed only once a minute here, so a revocation seen sooner came by Redis.
/// </summary>
public sealed partial class ReplicatedSystem : IAsyncLifetime
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "replicas-auth-token";
    public const string PublicBaseUrl = "https://calls.example.com";
    public const string AdminPassword = "replica-admin-password";

    private readonly List<RunningProcess> _processes = [];
    private readonly List<PortReservation> _ports = [];
    private TemporaryDirectory _data = null!;

    public PostgresServer Postgres { get; private set; } = null!;
    public RedisServer Redis { get; private set; } = null!;
    public GatewayHost Gateway { get; private set; } = null!;
    public IReadOnlyList<Uri> AuthReplicas { get; private set; } = [];
    public IReadOnlyList<Uri> RecordingsReplicas { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Redis = await RedisServer.StartAsync();
        var databaseUrl = Postgres.UrlFor(await Postgres.CreateDatabaseAsync());
        _data = TemporaryDirectory.Create("replicas-");
        var keys = Path.Combine(_data.Path, "keys");
        Assert.Equal(0, (await Processes.RunBuiltAsync("AuthService", ["keys", "new", "--dir", keys])).ExitCode);
        var hash = await Processes.RunBuiltAsync(
            "AuthService",
            ["hash-password"],
            AdminPassword + "\n",
            new Dictionary<string, string?> { ["BCRYPT_WORK_FACTOR"] = "10" }
        );
        Assert.Equal(0, hash.ExitCode);

        var auth = new List<Uri>();
        for (var i = 1; i <= 2; i++)
        {
            auth.Add(
                await StartAsync(
                    "AuthService",
                    i,
                    new Dictionary<string, string?>
                    {
                        ["JWT_KEYS_DIR"] = keys,
                        ["ADMIN_USERNAME"] = "admin",
                        ["ADMIN_PASSWORD_HASH"] = hash.StandardOutput.Trim(),
                        ["BCRYPT_WORK_FACTOR"] = "10",
                        ["DATABASE_URL"] = databaseUrl,
                        ["REDIS_URL"] = Redis.Url,
                    }
                )
            );
        }

        var jwks = new Uri(auth[0], "/.well-known/jwks.json").ToString();
        var recordings = new List<Uri>();
        for (var i = 1; i <= 2; i++)
        {
            recordings.Add(
                await StartAsync(
                    "RecordingsService",
                    i,
                    new Dictionary<string, string?>
                    {
                        ["TWILIO_ACCOUNT_SID"] = AccountSid,
                        ["TWILIO_AUTH_TOKEN"] = AuthToken,
                        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
                        ["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9",
                        ["JWKS_URL"] = jwks,
                        ["DATABASE_URL"] = databaseUrl,
                        ["REDIS_URL"] = Redis.Url,
                        ["REVOCATION_POLL_SECONDS"] = "60",
                    }
                )
            );
        }

        AuthReplicas = auth;
        RecordingsReplicas = recordings;
        Gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["AUTH_SERVICE_URLS"] = string.Join(',', auth),
                ["RECORDINGS_SERVICE_URLS"] = string.Join(',', recordings),
                ["JWKS_URL"] = jwks,
                ["REDIS_URL"] = Redis.Url,
                ["REVOCATION_POLL_SECONDS"] = "60",
            }
        );
    }

    /// <summary>A client straight to one replica, past the gateway (loopback, as the tests run them).</summary>
    public static HttpClient Direct(Uri replica) => new() { BaseAddress = replica, Timeout = TimeSpan.FromSeconds(30) };

    private async Task<Uri> StartAsync(string service, int replica, Dictionary<string, string?> environment)
    {
        var port = PortReservation.Reserve();
        _ports.Add(port);
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port.Port}"));
        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        environment["ASPNETCORE_URLS"] = url.ToString();
        environment["DATA_DIR"] = Path.Combine(_data.Path, $"{service}-{replica}");
        var process = RunningProcess.Start("dotnet", [Repository.BuiltDll(service)], environment);
        _processes.Add(process);
        await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60));
        return url;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        foreach (var port in _ports)
        {
            port.Dispose();
        }

        await Postgres.DisposeAsync();
        await Redis.DisposeAsync();
        _data.Dispose();
    }

    [GeneratedRegex("Now listening on")]
    private static partial Regex ListeningLine();
}

public sealed class SharedDatabaseTests(ReplicatedSystem system) : IClassFixture<ReplicatedSystem>
{
    [Fact]
    public async Task AUserCreatedThroughTheGateway_SignsInOnEveryReplica_AndASignOutOnOneEndsTheSessionOnAll()
    {
        using var client = system.Gateway.CreateAnonymousClient();
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
        foreach (var replica in system.AuthReplicas)
        {
            using var direct = ReplicatedSystem.Direct(replica);
            sessions.Add(await SignInAsync(direct, username, "carol-password-1"));
        }

        // Signed out on replica 2: replica 1 refuses that session's refresh token at once (one database).
        using (var second = ReplicatedSystem.Direct(system.AuthReplicas[1]))
        using (var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout"))
        {
            logout.Headers.Authorization = new("Bearer", sessions[0].AccessToken);
            using var loggedOut = await second.SendAsync(logout);
            Assert.True(loggedOut.IsSuccessStatusCode, $"logout answered {loggedOut.StatusCode}");
        }

        using var first = ReplicatedSystem.Direct(system.AuthReplicas[0]);
        using var refreshed = await first.PostAsJsonAsync("/api/auth/refresh", new { refresh_token = sessions[0].RefreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        using var stillValid = await first.PostAsJsonAsync("/api/auth/refresh", new { refresh_token = sessions[1].RefreshToken });
        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);

        // The RecordingsService replicas and the gateway, which poll the feed once a minute here, refuse it within
        // seconds: the revocation was pushed through Redis.
        foreach (var replica in system.RecordingsReplicas)
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
        using var client = system.Gateway.CreateAnonymousClient();
        var token = (await SignInAsync(client, "admin", ReplicatedSystem.AdminPassword)).AccessToken;
        using var first = await ConnectAsync(system.RecordingsReplicas[0], token, since: null);
        using var second = await ConnectAsync(system.RecordingsReplicas[1], token, since: null);
        var cursor = (await ReceiveAsync(second)).GetProperty("at").GetString()!;
        await ReceiveAsync(first);

        var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using (var direct = ReplicatedSystem.Direct(system.RecordingsReplicas[0]))
        using (var stored = await direct.SendAsync(Callback(sid)))
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
        using (var stored = await client.SendAsync(Callback(missed)))
        {
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        }

        using var back = await ConnectAsync(system.RecordingsReplicas[0], token, since: cursor);
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
        using var client = system.Gateway.CreateAnonymousClient();
        var token = (await SignInAsync(client, "admin", ReplicatedSystem.AdminPassword)).AccessToken;
        using var first = await ConnectAsync(system.RecordingsReplicas[0], token, since: null);
        using var second = await ConnectAsync(system.RecordingsReplicas[1], token, since: null);
        await ReceiveAsync(first);
        await ReceiveAsync(second);
        var seenByFirst = Collect(first);
        var seenBySecond = Collect(second);

        await system.Redis.StopAsync();
        string ownOfFirst,
            ownOfSecond;
        try
        {
            // Each replica's own change reaches its own dashboard at once, Redis or not.
            ownOfFirst = await StoreAsync(system.RecordingsReplicas[0]);
            ownOfSecond = await StoreAsync(system.RecordingsReplicas[1]);
            await Wait.UntilAsync(
                () => seenByFirst.ContainsKey(ownOfFirst) && seenBySecond.ContainsKey(ownOfSecond),
                TimeSpan.FromSeconds(5),
                "each replica's own change reaches its own dashboard while Redis is away"
            );
        }
        finally
        {
            await system.Redis.StartAgainAsync();
        }

        // Back: the sockets stayed open, and each dashboard is sent what the other replica stored meanwhile.
        await Wait.UntilAsync(
            () => seenByFirst.ContainsKey(ownOfSecond) && seenBySecond.ContainsKey(ownOfFirst),
            TimeSpan.FromSeconds(30),
            "every dashboard caught up on the other replica's change"
        );
        var after = await StoreAsync(system.RecordingsReplicas[0]);
        await Wait.UntilAsync(
            () => seenByFirst.ContainsKey(after) && seenBySecond.ContainsKey(after),
            TimeSpan.FromSeconds(10),
            "events flow through Redis again"
        );
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        await second.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    private static async Task<string> StoreAsync(Uri replica)
    {
        var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var direct = ReplicatedSystem.Direct(replica);
        using var stored = await direct.SendAsync(Callback(sid));
        Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        return sid;
    }

    // Every recording SID the socket receives, as it comes, until it closes.
    private static System.Collections.Concurrent.ConcurrentDictionary<string, byte> Collect(ClientWebSocket socket)
    {
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
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
        using var client = system.Gateway.CreateAnonymousClient();
        var sids = Enumerable.Range(0, 4).Select(_ => "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))).ToList();
        foreach (var sid in sids)
        {
            using var callback = await client.SendAsync(Callback(sid));
            Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        }

        var token = (await SignInAsync(client, "admin", ReplicatedSystem.AdminPassword)).AccessToken;
        foreach (var replica in system.RecordingsReplicas)
        {
            using var direct = ReplicatedSystem.Direct(replica);
            direct.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var page = await direct.GetFromJsonAsync<JsonElement>("/api/recordings?limit=100");
            var listed = page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("sid").GetString()).ToHashSet();
            Assert.Superset(sids.ToHashSet(), listed!);
        }
    }

    private static async Task<(string AccessToken, string RefreshToken)> SignInAsync(HttpClient client, string username, string password)
    {
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }

    private static HttpRequestMessage Callback(string sid)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = ReplicatedSystem.AccountSid,
            ["CallSid"] = "CA" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["RecordingSid"] = sid,
            ["RecordingStatus"] = "completed",
            ["RecordingDuration"] = "12",
            ["RecordingChannels"] = "1",
            ["RecordingSource"] = "RecordVerb",
            ["RecordingStartTime"] = DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture),
        };
        return TwilioSigner.Callback(fields, ReplicatedSystem.AuthToken, ReplicatedSystem.PublicBaseUrl + "/webhooks/recording");
    }
}
