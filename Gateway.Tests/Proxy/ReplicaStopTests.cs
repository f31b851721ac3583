using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Proxy;

/// <summary>Stopping a replica under steady load, as an orchestrator does (SIGTERM) or as a crash does (SIGKILL), fails no request.</summary>
public sealed partial class ReplicaStopTests
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "drain-auth-token";
    private const string PublicBaseUrl = "https://calls.example.com";

    /// <param name="signal">
    /// TERM as an orchestrator stops a replica (it drains); KILL as an OOM kill or a lost node does (callbacks in flight
    /// or refused by the dead replica are sent to the other: they are idempotent, and Twilio does not retry them).
    /// </param>
    [Theory]
    [InlineData("TERM")]
    [InlineData("KILL")]
    public async Task StoppingOneOfTwoRecordingsReplicas_UnderWebhookAndApiLoad_FailsNoRequest_AndLosesNoCallback(string signal)
    {
        await using var identity = await TestIdentity.StartAsync();
        using var data = TemporaryDirectory.Create("drain-");
        var ports = new[] { PortReservation.Reserve(), PortReservation.Reserve() };
        var replicas = new List<RunningProcess>();
        try
        {
            foreach (var port in ports)
            {
                var process = RunningProcess.Start(
                    "dotnet",
                    [Repository.BuiltDll("RecordingsService")],
                    new Dictionary<string, string?>
                    {
                        ["ASPNETCORE_ENVIRONMENT"] = "Development",
                        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.Port}",
                        ["DATA_DIR"] = Path.Combine(data.Path, port.ToString()),
                        ["TWILIO_ACCOUNT_SID"] = AccountSid,
                        ["TWILIO_AUTH_TOKEN"] = AuthToken,
                        ["PUBLIC_BASE_URL"] = PublicBaseUrl,
                        ["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9",
                        ["JWKS_URL"] = identity.JwksUrl.ToString(),
                        ["REVOCATION_FEED_URL"] = identity.FeedUrl.ToString(),
                        ["SHUTDOWN_DRAIN_SECONDS"] = "4", // the gateway below probes every second
                    }
                );
                replicas.Add(process);
                await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60));
            }

            await using var gateway = await GatewayHost.StartAsync(
                new Dictionary<string, string>
                {
                    ["RECORDINGS_SERVICE_URLS"] = string.Join(',', ports.Select(p => $"http://127.0.0.1:{p.Port}")),
                    ["JWKS_URL"] = identity.JwksUrl.ToString(),
                    ["REVOCATION_FEED_URL"] = identity.FeedUrl.ToString(),
                    ["WEBHOOK_RATE_LIMIT_MAX"] = "1000000",
                }
            );
            var token = identity.Mint(role: "viewer");
            using var warm = gateway.CreateAnonymousClient();
            await Wait.UntilAsync(
                async () => (await SendAsync(warm, Api(token))).StatusCode == HttpStatusCode.OK,
                TimeSpan.FromSeconds(20),
                "the replicas answer through the gateway"
            );

            // A dashboard connected straight to the replica that will stop.
            using var dashboard = new ClientWebSocket();
            dashboard.Options.SetRequestHeader("Authorization", "Bearer " + token);
            await dashboard.ConnectAsync(new Uri($"ws://127.0.0.1:{ports[0].Port}/ws"), CancellationToken.None);
            var closedWith = Task.Run(async () =>
            {
                var buffer = new byte[16 * 1024];
                WebSocketReceiveResult received;
                do
                {
                    received = await dashboard.ReceiveAsync(buffer, CancellationToken.None);
                } while (received.MessageType != WebSocketMessageType.Close);
                return received.CloseStatus;
            });

            var failures = new ConcurrentQueue<string>();
            var acknowledged = new ConcurrentQueue<string>();
            var sent = 0;
            using var stopLoad = new CancellationTokenSource();
            var load = Enumerable
                .Range(0, 4)
                .Select(worker =>
                    Task.Run(async () =>
                    {
                        using var client = gateway.CreateAnonymousClient();
                        while (!stopLoad.IsCancellationRequested)
                        {
                            var webhook = Interlocked.Increment(ref sent) % 2 == 0;
                            var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
                            using var response = await SendAsync(client, webhook ? Callback(sid) : Api(token));
                            if (response.StatusCode != (webhook ? HttpStatusCode.NoContent : HttpStatusCode.OK))
                            {
                                failures.Enqueue($"{(webhook ? "callback" : "list")}: {(int)response.StatusCode}");
                            }
                            else if (webhook)
                            {
                                acknowledged.Enqueue(sid);
                            }
                        }
                    })
                )
                .ToList();

            await Wait.UntilAsync(() => Volatile.Read(ref sent) >= 100, TimeSpan.FromSeconds(30), "the load is under way");
            Assert.Equal(0, (await Processes.RunAsync("kill", [$"-{signal}", replicas[0].Id.ToString(CultureInfo.InvariantCulture)])).ExitCode);
            await Wait.UntilAsync(() => replicas[0].HasExited, TimeSpan.FromSeconds(30), "the stopped replica has exited");
            var atExit = Volatile.Read(ref sent);
            await Wait.UntilAsync(() => Volatile.Read(ref sent) >= atExit + 100, TimeSpan.FromSeconds(30), "the load goes on after it is gone");
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);

            Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} requests failed: {string.Join(", ", failures.Take(10))}");
            Assert.True(sent > 100, $"only {sent} requests were sent");
            // Every acknowledged callback is in one replica's database (each has its own here), the dead one's included.
            var stored = ports
                .SelectMany(port => StoredSids(Path.Combine(data.Path, port.ToString(), "recordings.db")))
                .ToHashSet(StringComparer.Ordinal);
            Assert.DoesNotContain(acknowledged, sid => !stored.Contains(sid));
            if (signal == "TERM")
            {
                Assert.Equal(0, replicas[0].ExitCode);
                Assert.Contains("not ready from now, still serving for 4 s", replicas[0].Output, StringComparison.Ordinal);

                // Its dashboard was told to go elsewhere (1001), at the end of the drain.
                Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await closedWith.WaitAsync(TimeSpan.FromSeconds(5)));
            }
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }

            foreach (var port in ports)
            {
                port.Dispose();
            }
        }
    }

    private static HttpRequestMessage Api(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings?limit=5");
        request.Headers.Authorization = new("Bearer", token);
        return request;
    }

    private static List<string> StoredSids(string database)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sid FROM recordings";
        using var reader = command.ExecuteReader();
        var sids = new List<string>();
        while (reader.Read())
        {
            sids.Add(reader.GetString(0));
        }

        return sids;
    }

    private static HttpRequestMessage Callback(string sid)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = AccountSid,
            ["CallSid"] = "CA" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["RecordingSid"] = sid,
            ["RecordingStatus"] = "completed",
            ["RecordingDuration"] = "5",
        };
        return TwilioSigner.Callback(fields, AuthToken, PublicBaseUrl + "/webhooks/recording");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            return await client.SendAsync(request);
        }
    }

    [GeneratedRegex("Now listening on")]
    private static partial Regex ListeningLine();
}
