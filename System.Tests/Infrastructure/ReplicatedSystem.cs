using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace System.Tests.Infrastructure;

/// <summary>
/// The platform as several machines run it, as real processes on loopback: PostgreSQL and Redis, two AuthService
/// replicas, two RecordingsService replicas, and two gateways in front of them all. Any process can be stopped
/// (SIGTERM), killed (SIGKILL) and started again on its own port, as an orchestrator or a crash would. Every process
/// serves its metrics on a port of its own (<see cref="MetricsUrls"/>).
/// </summary>
public sealed partial class ReplicatedSystem : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "replicas-auth-token";
    public const string AdminPassword = "replicas-admin-password";

    // Verifiers poll the revocation feed once a minute: a revocation seen sooner was pushed through Redis.
    private const string RevocationPollSeconds = "60";

    private readonly TemporaryDirectory _data = TemporaryDirectory.Create("replicas-");
    private readonly List<PortReservation> _ports = [];
    private readonly Dictionary<string, (RunningProcess Process, Dictionary<string, string?> Environment)> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Uri> _metrics = new(StringComparer.Ordinal);

    private ReplicatedSystem(PostgresServer postgres, RedisServer redis)
    {
        Postgres = postgres;
        Redis = redis;
    }

    public PostgresServer Postgres { get; }
    public RedisServer Redis { get; }
    public string DatabaseConnection { get; private set; } = "";
    public IReadOnlyList<Uri> Gateways { get; private set; } = [];
    public IReadOnlyList<Uri> RecordingsReplicas { get; private set; } = [];
    public IReadOnlyList<Uri> AuthReplicas { get; private set; } = [];
    public string PublicBaseUrl => Gateways[0].GetLeftPart(UriPartial.Authority);

    /// <summary>Each process's scrape endpoint (<c>http://127.0.0.1:METRICS_PORT/metrics</c>), by name (gateway-1, auth-2, …).</summary>
    public IReadOnlyDictionary<string, Uri> MetricsUrls => _metrics;

    public static async Task<ReplicatedSystem> StartAsync()
    {
        var system = new ReplicatedSystem(await PostgresServer.StartAsync(), await RedisServer.StartAsync());
        await system.StartAllAsync();
        return system;
    }

    private async Task StartAllAsync()
    {
        DatabaseConnection = await Postgres.CreateDatabaseAsync();
        var databaseUrl = Postgres.UrlFor(DatabaseConnection);
        var keys = Path.Combine(_data.Path, "keys");
        Check(await Processes.RunBuiltAsync("AuthService", ["keys", "new", "--dir", keys]), "keys new");
        var hash = await Processes.RunBuiltAsync(
            "AuthService",
            ["hash-password"],
            AdminPassword + "\n",
            new Dictionary<string, string?> { ["BCRYPT_WORK_FACTOR"] = "10" }
        );
        Check(hash, "hash-password");
        var certificate = Path.Combine(_data.Path, "tls.crt");
        var key = Path.Combine(_data.Path, "tls.key");
        Check(
            await Processes.RunAsync(
                "openssl",
                [
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=localhost",
                    "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout",
                    key,
                    "-out",
                    certificate,
                ]
            ),
            "openssl req"
        );

        var gatewayPorts = new[] { Reserve(), Reserve() };
        var publicBaseUrl = $"https://localhost:{gatewayPorts[0]}";
        var auth = new List<Uri>();
        var dataKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        for (var i = 1; i <= 2; i++)
        {
            auth.Add(
                await StartServiceAsync(
                    $"auth-{i}",
                    "AuthService",
                    new()
                    {
                        ["JWT_KEYS_DIR"] = keys,
                        ["ADMIN_USERNAME"] = "admin",
                        ["ADMIN_PASSWORD_HASH"] = hash.StandardOutput.Trim(),
                        ["BCRYPT_WORK_FACTOR"] = "10",
                        ["DATA_ENCRYPTION_KEY"] = dataKey,
                        ["PUBLIC_BASE_URL"] = publicBaseUrl, // the passkeys' relying party and origin
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
                await StartServiceAsync(
                    $"recordings-{i}",
                    "RecordingsService",
                    new()
                    {
                        ["TWILIO_ACCOUNT_SID"] = AccountSid,
                        ["TWILIO_AUTH_TOKEN"] = AuthToken,
                        ["PUBLIC_BASE_URL"] = publicBaseUrl,
                        ["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9",
                        ["JWKS_URL"] = jwks,
                        ["DATABASE_URL"] = databaseUrl,
                        ["REDIS_URL"] = Redis.Url,
                        ["SHUTDOWN_DRAIN_SECONDS"] = "3", // the gateways probe every second
                        ["REVOCATION_POLL_SECONDS"] = RevocationPollSeconds,
                    }
                )
            );
        }

        var gateways = new List<Uri>();
        for (var i = 0; i < 2; i++)
        {
            var environment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["PORT"] = gatewayPorts[i].ToString(CultureInfo.InvariantCulture),
                ["HTTP_PORT"] = Reserve().ToString(CultureInfo.InvariantCulture),
                ["TLS_CERT_PATH"] = certificate,
                ["TLS_KEY_PATH"] = key,
                ["ALLOWED_ORIGINS"] = publicBaseUrl,
                ["PUBLIC_BASE_URL"] = publicBaseUrl,
                ["AUTH_SERVICE_URLS"] = string.Join(',', auth),
                ["RECORDINGS_SERVICE_URLS"] = string.Join(',', recordings),
                ["JWKS_URL"] = jwks,
                ["REDIS_URL"] = Redis.Url,
                ["REVOCATION_POLL_SECONDS"] = RevocationPollSeconds,
                ["HEALTH_CHECK_INTERVAL_SECONDS"] = "1",
                ["RATE_LIMIT_MAX"] = "10000000",
                ["LOGIN_RATE_LIMIT_MAX"] = "10000",
                ["WEBHOOK_RATE_LIMIT_MAX"] = "10000000",
                ["SHUTDOWN_DRAIN_SECONDS"] = "3", // a balancer probing every 500 ms sees it leave
            };
            gateways.Add(new Uri($"https://localhost:{gatewayPorts[i]}"));
            await StartAsync($"gateway-{i + 1}", "Gateway", environment);
        }

        Gateways = gateways;
        RecordingsReplicas = recordings;
        AuthReplicas = auth;
    }

    /// <summary>SIGTERM (an orchestrator stopping it: it drains) or SIGKILL (a crash); waits until it has exited.</summary>
    public async Task StopAsync(string name, string signal)
    {
        var process = _running[name].Process;
        Check(await Processes.RunAsync("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)]), "kill");
        await Wait.UntilAsync(() => process.HasExited, TimeSpan.FromSeconds(30), $"{name} has exited");
    }

    /// <summary>How a stopped process exited (0: a clean stop).</summary>
    public int ExitCode(string name) => _running[name].Process.ExitCode;

    /// <summary>Starts a stopped process again, as it was (same port, same settings).</summary>
    public async Task RestartAsync(string name)
    {
        var (stopped, environment) = _running[name];
        await stopped.DisposeAsync();
        await StartAsync(name, ProjectOf(name), environment);
    }

    /// <summary>A client of one gateway (or of a balancer in front of them), trusting the test's own certificate, keeping no cookies.</summary>
    public static HttpClient Client(Uri gateway) =>
        new(
            new SocketsHttpHandler
            {
                ConnectCallback = Loopback.ConnectAsync,
                UseCookies = false, // a callback carries no session cookie (one would ask for an Origin header)
                SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null },
            }
        )
        {
            BaseAddress = gateway,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>A client straight to one service replica, past the gateways (plain HTTP on loopback).</summary>
    public static HttpClient Direct(Uri replica) => new() { BaseAddress = replica, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Signs in as the administrator through <paramref name="gateway"/>; returns the access token.</summary>
    public static async Task<string> SignInAsync(Uri gateway)
    {
        using var client = Client(gateway);
        using var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AdminPassword });
        signIn.EnsureSuccessStatusCode();
        return (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>A recording status callback for <paramref name="sid"/>, signed as Twilio signs it (or with another token).</summary>
    public HttpRequestMessage Callback(string sid, string authToken = AuthToken)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = AccountSid,
            ["CallSid"] = "CA" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["RecordingSid"] = sid,
            ["RecordingStatus"] = "completed",
            ["RecordingDuration"] = "12",
        };
        return TwilioSigner.Callback(fields, authToken, PublicBaseUrl + "/webhooks/recording");
    }

    /// <summary>Sends; a request that got no answer at all (connection refused or cut) is answered 599 here.</summary>
    public static async Task<HttpResponseMessage> TrySendAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            try
            {
                return await client.SendAsync(request);
            }
            catch (HttpRequestException)
            {
                return new HttpResponseMessage((HttpStatusCode)599);
            }
        }
    }

    public static string NewRecordingSid() => "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The sids of every recording in the database (empty while it is down).</summary>
    public async Task<HashSet<string>> StoredSidsAsync()
    {
        var database = DatabaseConnection.Split(';').Single(part => part.StartsWith("Database=", StringComparison.Ordinal))["Database=".Length..];
        var result = await Processes.RunAsync(
            "psql",
            [
                "-h",
                "127.0.0.1",
                "-p",
                Postgres.Port.ToString(CultureInfo.InvariantCulture),
                "-U",
                "postgres",
                "-d",
                database,
                "-At",
                "-c",
                "SELECT sid FROM recordings.recordings",
            ]
        );
        return result.ExitCode == 0
            ? result
                .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .ToHashSet(StringComparer.Ordinal)
            : [];
    }

    /// <summary>Everything every process printed so far, for a failing test's message.</summary>
    public string Output(string name) => _running[name].Process.Output;

    private async Task<Uri> StartServiceAsync(string name, string project, Dictionary<string, string?> environment)
    {
        var url = new Uri($"http://127.0.0.1:{Reserve()}");
        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        environment["ASPNETCORE_URLS"] = url.ToString();
        environment["DATA_DIR"] = Path.Combine(_data.Path, name);
        await StartAsync(name, project, environment);
        return url;
    }

    private async Task StartAsync(string name, string project, Dictionary<string, string?> environment)
    {
        if (!_metrics.ContainsKey(name))
        {
            var metricsPort = Reserve();
            environment["METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture);
            _metrics[name] = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
        }

        var process = RunningProcess.Start(
            "dotnet",
            [Repository.BuiltDll(project), "--contentRoot", Path.Combine(Repository.Root, project)],
            environment
        );
        _running[name] = (process, environment);
        await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60));
    }

    private static string ProjectOf(string name) =>
        name.Split('-')[0] switch
        {
            "auth" => "AuthService",
            "recordings" => "RecordingsService",
            _ => "Gateway",
        };

    private int Reserve()
    {
        var port = PortReservation.Reserve();
        _ports.Add(port);
        return port.Port;
    }

    private static void Check(ProcessResult result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} exited {result.ExitCode}: {result.StandardError}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (process, _) in _running.Values)
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

/// <summary>One <see cref="ReplicatedSystem"/> shared by a test class.</summary>
public sealed class ReplicatedSystemFixture : IAsyncLifetime
{
    public ReplicatedSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await ReplicatedSystem.StartAsync();

    public async Task DisposeAsync() => await System.DisposeAsync();
}
