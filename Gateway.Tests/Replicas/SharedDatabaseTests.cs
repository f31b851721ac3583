using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Replicas;

/// <summary>
/// Two AuthService and two RecordingsService replicas, each a real process with its own DATA_DIR, on one PostgreSQL
/// database (DATABASE_URL), behind the real gateway: whichever replica a request reaches, it sees the same users,
/// sessions and recordings.
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
    public GatewayHost Gateway { get; private set; } = null!;
    public IReadOnlyList<Uri> AuthReplicas { get; private set; } = [];
    public IReadOnlyList<Uri> RecordingsReplicas { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        var databaseUrl = Postgres.UrlFor(await Postgres.CreateDatabaseAsync());
        _data = TemporaryDirectory.Create("replicas-");
        var keys = Path.Combine(_data.Path, "keys");
        Assert.Equal(0, (await Processes.RunBuiltAsync("AuthService", ["keys", "new", "--dir", keys])).ExitCode);
        var hash = await Processes.RunBuiltAsync("AuthService", ["hash-password"], AdminPassword + "\n", new Dictionary<string, string?> { ["BCRYPT_WORK_FACTOR"] = "10" });
        Assert.Equal(0, hash.ExitCode);

        var auth = new List<Uri>();
        for (var i = 1; i <= 2; i++)
        {
            auth.Add(await StartAsync("AuthService", i, new Dictionary<string, string?>
            {
                ["JWT_KEYS_DIR"] = keys,
                ["ADMIN_USERNAME"] = "admin",
                ["ADMIN_PASSWORD_HASH"] = hash.StandardOutput.Trim(),
                ["BCRYPT_WORK_FACTOR"] = "10",
                ["DATABASE_URL"] = databaseUrl,
            }));
        }

        var jwks = new Uri(auth[0], "/.well-known/jwks.json").ToString();
        var recordings = new List<Uri>();
        for (var i = 1; i <= 2; i++)
        {
            recordings.Add(await StartAsync("RecordingsService", i, new Dictionary<string, string?>
            {
                ["TWILIO_ACCOUNT_SID"] = AccountSid,
                ["TWILIO_AUTH_TOKEN"] = AuthToken,
                ["PUBLIC_BASE_URL"] = PublicBaseUrl,
                ["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9",
                ["JWKS_URL"] = jwks,
                ["DATABASE_URL"] = databaseUrl,
            }));
        }

        AuthReplicas = auth;
        RecordingsReplicas = recordings;
        Gateway = await GatewayHost.StartAsync(new Dictionary<string, string>
        {
            ["AUTH_SERVICE_URLS"] = string.Join(',', auth),
            ["RECORDINGS_SERVICE_URLS"] = string.Join(',', recordings),
            ["JWKS_URL"] = jwks,
        });
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
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/users") { Content = JsonContent.Create(new { username, password = "carol-password-1", role = "viewer" }) })
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
    }

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
