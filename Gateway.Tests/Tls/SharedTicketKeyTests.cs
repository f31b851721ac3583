using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using Gateway.Tls.SessionTickets;
using StackExchange.Redis;

namespace Gateway.Tests.Tls;

/// <summary>
/// TLS session resumption across gateway replicas: real gateway processes started as deploy/run.sh starts them (with
/// OPENSSL_CONF naming Tls/openssl.cnf, which turns resumption on), openssl s_client saving a session on one and
/// offering it to the other.
/// </summary>
public sealed partial class SharedTicketKeyTests
{
    // Each test starts two gateway processes and covers both TLS versions with them: fewer processes starting at
    // once beside the rest of the suite.
    private static readonly string[] Versions = ["-tls1_2", "-tls1_3"];

    [Fact]
    public async Task WithoutASharedKey_AReturningClientResumesOnlyOnTheGatewayItMetBefore()
    {
        using var certificate = TestCertificate.Create();
        await using var first = await GatewayProcess.StartAsync(certificate, []);
        await using var second = await GatewayProcess.StartAsync(certificate, []);

        foreach (var version in Versions)
        {
            Assert.Contains("Reused, TLSv1.", await OpenSsl.ResumedHandshakeAsync(first.Port, version), StringComparison.Ordinal);
            Assert.Contains(
                "New, TLSv1.",
                await OpenSsl.ResumedHandshakeAsync(first.Port, version, resumeOnPort: second.Port),
                StringComparison.Ordinal
            );
        }
    }

    [Fact]
    public async Task TwoGatewaysGivenOneKeyFile_ResumeEachOthersSessions_UntilTheFileIsReplaced_AndKeepTheKeyWhenTheNewFileIsBad()
    {
        using var certificate = TestCertificate.Create();
        using var directory = TemporaryDirectory.Create("ticket-key-");
        var keyFile = Path.Combine(directory.Path, "ticket.key");
        WriteKey(keyFile, out var firstName);
        var settings = new Dictionary<string, string?> { ["TLS_TICKET_KEY_FILE"] = keyFile };
        await using var first = await GatewayProcess.StartAsync(certificate, settings);
        await using var second = await GatewayProcess.StartAsync(certificate, settings);
        Assert.Equal(("Healthy", $"key {firstName} from TLS_TICKET_KEY_FILE"), await TicketKeysReadinessAsync(first.Port));
        var sessions = Versions.ToDictionary(version => version, version => Path.Combine(directory.Path, $"session{version}.pem"));

        foreach (var version in Versions)
        {
            await OpenSsl.SaveSessionAsync(first.Port, version, sessions[version]);
            Assert.Contains("Reused, TLSv1.", await OpenSsl.ResumeAsync(second.Port, version, sessions[version]), StringComparison.Ordinal);
        }

        // Rotation: the operator replaces the file on every replica (here both read the same one).
        WriteKey(keyFile, out var newName);
        await first.Process.WaitForLineAsync(KeyInUse(newName), TimeSpan.FromSeconds(10));
        await second.Process.WaitForLineAsync(KeyInUse(newName), TimeSpan.FromSeconds(10));
        foreach (var version in Versions)
        {
            Assert.Contains("New, TLSv1.", await OpenSsl.ResumeAsync(second.Port, version, sessions[version]), StringComparison.Ordinal);
            Assert.Contains(
                "Reused, TLSv1.",
                await OpenSsl.ResumedHandshakeAsync(second.Port, version, resumeOnPort: first.Port),
                StringComparison.Ordinal
            );
        }

        // A file of the wrong length is refused and said so; the key in use stays.
        await File.WriteAllBytesAsync(keyFile, RandomNumberGenerator.GetBytes(48));
        await first.Process.WaitForLineAsync(WrongLength(), TimeSpan.FromSeconds(10));
        Assert.Contains(
            "Reused, TLSv1.3",
            await OpenSsl.ResumedHandshakeAsync(second.Port, "-tls1_3", resumeOnPort: first.Port),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public async Task AGatewayThatCannotShareTheKey_SaysSoInItsReadiness_AsDegraded()
    {
        // This test process has no OPENSSL_CONF, so the in-process gateway keeps no TLS sessions to share.
        using var directory = TemporaryDirectory.Create("ticket-key-");
        var keyFile = Path.Combine(directory.Path, "ticket.key");
        WriteKey(keyFile, out _);
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string> { ["TLS_TICKET_KEY_FILE"] = keyFile });

        var (status, description) = await TicketKeysReadinessAsync(gateway.HttpsUrl.Port);

        Assert.Equal("Degraded", status);
        Assert.Contains("not shared: TLS session resumption is off", description, StringComparison.Ordinal);
        Assert.Contains(gateway.Logs.Events, e =>
            e.MessageTemplate.Text.StartsWith("TLS session ticket keys are not shared", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task TwoGatewaysSharingRedis_ResumeEachOthersSessions()
    {
        await using var redis = await RedisServer.StartAsync();
        using var certificate = TestCertificate.Create();
        var settings = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Url };
        await using var first = await GatewayProcess.StartAsync(certificate, settings);
        await using var second = await GatewayProcess.StartAsync(certificate, settings);

        foreach (var version in Versions)
        {
            Assert.Contains(
                "Reused, TLSv1.",
                await OpenSsl.ResumedHandshakeAsync(first.Port, version, resumeOnPort: second.Port),
                StringComparison.Ordinal
            );
            Assert.Contains(
                "Reused, TLSv1.",
                await OpenSsl.ResumedHandshakeAsync(second.Port, version, resumeOnPort: first.Port),
                StringComparison.Ordinal
            );
        }
    }

    [Fact]
    public async Task TheRedisKey_IsOnePerHourForEveryReplica_AndLeavesRedisAfterTwoHours()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Url.Replace("redis://", "", StringComparison.Ordinal));
        var (one, two) = (new RedisTicketKeys(connection), new RedisTicketKeys(connection));
        var hour = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

        var (first, period) = await one.CurrentAsync(hour.AddMinutes(1), CancellationToken.None);
        var (same, _) = await two.CurrentAsync(hour.AddMinutes(59), CancellationToken.None);
        var (next, nextPeriod) = await two.CurrentAsync(hour.AddHours(1), CancellationToken.None);

        Assert.Equal(OpenSslTicketKeys.KeyLength, first.Length);
        Assert.Equal(first, same);
        Assert.NotEqual(first, next);
        Assert.Equal(period + 1, nextPeriod);
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync(RedisTicketKeys.KeyFor(period));
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
        // The next check comes just after the hour turns, and at least once a minute.
        Assert.Equal(TimeSpan.FromSeconds(30.1), RedisTicketKeys.UntilNextCheck(hour.AddMinutes(59).AddSeconds(30)));
        Assert.Equal(TimeSpan.FromMinutes(1), RedisTicketKeys.UntilNextCheck(hour.AddMinutes(10)));
    }

    /// <returns>The readiness check's status and description (these gateways' service URLs are dead, so readiness
    /// as a whole is 503 here; Degraded alone would keep it 200).</returns>
    private static async Task<(string Status, string Description)> TicketKeysReadinessAsync(int port)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null };
        using var client = new HttpClient(handler);
        using var ready = await client.GetAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{port}/health/ready")));
        var check = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("tls-session-tickets");
        return (check.GetProperty("status").GetString()!, check.GetProperty("description").GetString()!);
    }

    private static void WriteKey(string path, out string name)
    {
        var key = RandomNumberGenerator.GetBytes(OpenSslTicketKeys.KeyLength);
        // As an operator would: written beside, then moved over the old one.
        File.WriteAllBytes(path + ".new", key);
        File.Move(path + ".new", path, overwrite: true);
        name = Convert.ToHexStringLower(key, 0, 4);
    }

    private static Regex KeyInUse(string name) => new($"TLS session tickets: key {name} from TLS_TICKET_KEY_FILE");

    [GeneratedRegex("TLS_TICKET_KEY_FILE .* now holds 48 bytes, not 80")]
    private static partial Regex WrongLength();

    /// <summary>A gateway process on free ports, Development settings, the given certificate, resumption on.</summary>
    private sealed partial class GatewayProcess : IAsyncDisposable
    {
        private readonly PortReservation _https;
        private readonly PortReservation _http;

        private GatewayProcess(RunningProcess process, PortReservation https, PortReservation http)
        {
            Process = process;
            _https = https;
            _http = http;
        }

        public RunningProcess Process { get; }
        public int Port => _https.Port;

        public static async Task<GatewayProcess> StartAsync(TestCertificate certificate, Dictionary<string, string?> settings)
        {
            var (https, http) = (PortReservation.Reserve(), PortReservation.Reserve());
            var gateway = Repository.BuiltDll("Gateway");
            var environment = new Dictionary<string, string?>(settings)
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["OPENSSL_CONF"] = Path.Combine(Path.GetDirectoryName(gateway)!, "Tls", "openssl.cnf"),
                ["PORT"] = https.Port.ToString(CultureInfo.InvariantCulture),
                ["HTTP_PORT"] = http.Port.ToString(CultureInfo.InvariantCulture),
                ["TLS_CERT_PATH"] = certificate.CertificatePath,
                ["TLS_KEY_PATH"] = certificate.KeyPath,
                ["AUTH_SERVICE_URLS"] = GatewayHost.DeadBackend.ToString(),
                ["RECORDINGS_SERVICE_URLS"] = GatewayHost.DeadBackend.ToString(),
                ["JWKS_URL"] = GatewayHost.DeadBackend.ToString(),
            };
            var process = RunningProcess.Start("dotnet", [gateway], environment, Path.Combine(Repository.Root, "Gateway"));
            await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60));
            return new GatewayProcess(process, https, http);
        }

        public async ValueTask DisposeAsync()
        {
            await Process.DisposeAsync();
            _https.Dispose();
            _http.Dispose();
        }

        [GeneratedRegex("Now listening on: https")]
        private static partial Regex ListeningLine();
    }
}
