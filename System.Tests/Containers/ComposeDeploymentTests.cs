using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Tests.Infrastructure;
using System.Text.Json;

namespace System.Tests.Containers;

/// <summary>
/// <c>bash deploy/compose-init.sh</c>, then the scale overlay with two replicas of each service: one system, reached
/// only through the gateway. Skipped, saying why, where no Docker engine can be started.
/// </summary>
[Collection(WholeSystem.Name)]
[Trait(RunsAlone.Trait, RunsAlone.Value)]
public sealed class ComposeDeploymentTests(ComposeDeployment deployment) : IClassFixture<ComposeDeployment>
{
    private const string ContainersUser = "1654";

    [SkippableFact]
    public async Task ComposeInit_FillsEverySecret_KeepsWhatIsSet_AndChangesNothingWhenRunAgain()
    {
        Skip.If(deployment.SkipReason is not null, deployment.SkipReason);

        // Compose v2 would read an unquoted bcrypt hash's "$2a" as a variable; quoted, v1 and v2 both read it as is.
        Assert.Matches(@"^ADMIN_PASSWORD_HASH='\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}'$", EnvLine("deploy/auth.env", "ADMIN_PASSWORD_HASH"));
        Assert.Equal(32, Convert.FromBase64String(deployment.EnvValue("deploy/auth.env", "DATA_ENCRYPTION_KEY")).Length);
        Assert.Equal(deployment.Url.GetLeftPart(UriPartial.Authority), deployment.EnvValue("deploy/gateway.env", "ALLOWED_ORIGINS"));
        Assert.Equal(deployment.Url.GetLeftPart(UriPartial.Authority), deployment.EnvValue("deploy/recordings.env", "PUBLIC_BASE_URL"));
        Assert.Matches("^AC[0-9a-f]{32}$", deployment.EnvValue("deploy/recordings.env", "TWILIO_ACCOUNT_SID"));
        Assert.NotEmpty(deployment.EnvValue("deploy/recordings.env", "TWILIO_AUTH_TOKEN"));
        Assert.NotEmpty(deployment.EnvValue(".env", "POSTGRES_PASSWORD"));
        Assert.Equal("200", deployment.EnvValue("deploy/gateway.env", "LOGIN_RATE_LIMIT_MAX"));
        Assert.Equal("compose-test", deployment.EnvValue(".env", "IMAGE_TAG"));
        foreach (var file in new[] { ".env", "deploy/gateway.env", "deploy/auth.env", "deploy/recordings.env" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(deployment.CopyPath, file)));
        }

        // Keys readable by the containers' user and nobody else.
        foreach (
            var key in new[]
            {
                "certs/public/tls.key",
                "certs/internal/gateway/tls.key",
                "certs/internal/auth/tls.key",
                "certs/internal/recordings/tls.key",
            }
        )
        {
            var owner = await Processes.RunAsync("stat", ["-c", "%u %a", Path.Combine(deployment.CopyPath, key)]);
            Assert.Equal($"{ContainersUser} 600", owner.StandardOutput.Trim());
        }

        var before = File.ReadAllText(Path.Combine(deployment.CopyPath, "deploy", "auth.env"));
        var again = await deployment.RunInCopyAsync("bash", ["deploy/compose-init.sh"]);
        Assert.DoesNotContain("Administrator:", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(deployment.CopyPath, "deploy", "auth.env")));
    }

    [SkippableFact]
    public async Task EveryContainer_IsHealthy_ByItsOwnProbe()
    {
        Skip.If(deployment.SkipReason is not null, deployment.SkipReason);

        foreach (
            var (service, count) in new[]
            {
                ("gateway", 1),
                ("auth", ComposeDeployment.Replicas),
                ("recordings", ComposeDeployment.Replicas),
                ("postgres", 1),
                ("redis", 1),
            }
        )
        {
            var containers = await deployment.ContainersAsync(service);
            Assert.Equal(count, containers.Count);
            foreach (var container in containers)
            {
                await Wait.UntilAsync(
                    async () =>
                        (await deployment.DockerAsync(["inspect", "-f", "{{.State.Health.Status}}", container])).StandardOutput.Trim() == "healthy",
                    TimeSpan.FromMinutes(1),
                    $"{service} {container} is healthy"
                );
            }
        }

        // Each AuthService replica answers its own readiness (the image's probe command, run inside it).
        foreach (var container in await deployment.ContainersAsync("auth"))
        {
            var probe = await deployment.DockerAsync(["exec", container, "dotnet", "/app/AuthService.dll", "probe"]);
            Assert.Contains("/health/ready: 200", probe.StandardOutput, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task SignedCallback_IsStored_AndReachesTheLiveSocketsOnEveryRecordingsReplica()
    {
        Skip.If(deployment.SkipReason is not null, deployment.SkipReason);
        using var client = deployment.CreateClient();
        var token = await SignInAsync(client, deployment.AdminUsername, deployment.AdminPassword);

        // Power-of-two-choices puts the second socket on the replica without the first: one dashboard on each.
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < ComposeDeployment.Replicas; i++)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            socket.Options.SetRequestHeader("Origin", deployment.Url.GetLeftPart(UriPartial.Authority));
            using var invoker = new HttpMessageInvoker(Handler(), disposeHandler: false);
            await socket.ConnectAsync(new Uri($"wss://localhost:{deployment.Url.Port}/ws"), invoker, CancellationToken.None);
            Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("type").GetString());
            sockets.Add(socket);
        }

        var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var callback = await client.SendAsync(Callback(sid));
        Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        foreach (var socket in sockets)
        {
            var message = await ReceiveAsync(socket);
            Assert.Equal("recording.updated", message.GetProperty("type").GetString());
            Assert.Equal(sid, message.GetProperty("recording").GetProperty("sid").GetString());
        }

        using var stored = await client.SendAsync(Authorized(HttpMethod.Get, $"/api/recordings/{sid}", token));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal("completed", (await stored.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        foreach (var socket in sockets)
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            socket.Dispose();
        }

        // Each replica logged the end of a socket it served.
        foreach (var container in await deployment.ContainersAsync("recordings"))
        {
            await Wait.UntilAsync(
                async () => (await LogsAsync(container)).Contains("\"RequestPath\":\"/ws\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(20),
                $"recordings replica {container} served a live socket"
            );
        }
    }

    [SkippableFact]
    public async Task UserCreatedOnce_SignsInThroughEachAuthReplica()
    {
        Skip.If(deployment.SkipReason is not null, deployment.SkipReason);
        using var client = deployment.CreateClient();
        var admin = await SignInAsync(client, deployment.AdminUsername, deployment.AdminPassword);
        var username = "viewer" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        const string password = "a-long-enough-password";
        using var create = Authorized(HttpMethod.Post, "/api/users", admin);
        create.Content = JsonContent.Create(
            new
            {
                username,
                password,
                role = "viewer",
            }
        );
        using var created = await client.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var replicas = await deployment.ContainersAsync("auth");
        var before = new Dictionary<string, int>();
        foreach (var replica in replicas)
        {
            before[replica] = SignIns(await LogsAsync(replica));
        }

        for (var attempt = 0; attempt < 30; attempt++)
        {
            var token = await SignInAsync(client, username, password);
            using var me = await client.SendAsync(Authorized(HttpMethod.Get, "/api/auth/me", token));
            Assert.Equal(username, (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("username").GetString());
            var served = 0;
            foreach (var replica in replicas)
            {
                served += SignIns(await LogsAsync(replica)) > before[replica] ? 1 : 0;
            }

            if (served == replicas.Count)
            {
                return;
            }
        }

        Assert.Fail("30 sign-ins did not reach every AuthService replica");
    }

    [SkippableFact]
    public async Task Services_AreNotPublished_RefuseAnyoneWithoutTheDeploymentCertificate_AndMayReachTheInternet()
    {
        Skip.If(deployment.SkipReason is not null, deployment.SkipReason);

        foreach (var (service, port) in new[] { ("auth", 5001), ("recordings", 5002), ("postgres", 5432), ("redis", 6379) })
        {
            foreach (var container in await deployment.ContainersAsync(service))
            {
                var bindings = (await deployment.DockerAsync(["inspect", "-f", "{{json .NetworkSettings.Ports}}", container])).StandardOutput;
                Assert.DoesNotContain("HostPort", bindings, StringComparison.Ordinal);
                if (service is "postgres" or "redis")
                {
                    continue;
                }

                // Reached directly (the host can route to a container's address): refused without a deployment certificate.
                var address = IPAddress.Parse(
                    (
                        await deployment.DockerAsync(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", container])
                    ).StandardOutput.Split(' ')[0]
                );
                using var direct = new HttpClient(
                    new SocketsHttpHandler
                    {
                        // The service's name (its certificate's) in the URL, its container's address on the wire.
                        ConnectCallback = async (_, cancellationToken) =>
                        {
                            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                            await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                            return new NetworkStream(socket, ownsSocket: true);
                        },
                        SslOptions = new SslClientAuthenticationOptions
                        {
                            CertificateChainPolicy = new X509ChainPolicy
                            {
                                TrustMode = X509ChainTrustMode.CustomRootTrust,
                                CustomTrustStore =
                                {
                                    X509Certificate2.CreateFromPem(
                                        await File.ReadAllTextAsync(Path.Combine(deployment.CopyPath, "certs/internal/ca-current.crt"))
                                    ),
                                },
                                RevocationMode = X509RevocationMode.NoCheck,
                            },
                        },
                    }
                );
                using var refused = await direct.GetAsync(new Uri($"https://{service}:{port}/api/users"));
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            }
        }

        // The services' network leads out (Twilio, alerts, OTLP); PostgreSQL's and Redis's does not.
        var networks = (
            await deployment.DockerAsync([
                "network",
                "ls",
                "--filter",
                $"label=com.docker.compose.project={deployment.ProjectName}",
                "--format",
                "{{.Name}}",
            ])
        ).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "false",
            (
                await deployment.DockerAsync([
                    "network",
                    "inspect",
                    "-f",
                    "{{.Internal}}",
                    networks.Single(name => name.EndsWith("_default", StringComparison.Ordinal)),
                ])
            ).StandardOutput.Trim()
        );
        Assert.Equal(
            "true",
            (
                await deployment.DockerAsync([
                    "network",
                    "inspect",
                    "-f",
                    "{{.Internal}}",
                    networks.Single(name => name.EndsWith("_data", StringComparison.Ordinal)),
                ])
            ).StandardOutput.Trim()
        );
    }

    private SocketsHttpHandler Handler()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(deployment.CopyPath, "certs", "dev-ca", "ca.crt")));
        return new SocketsHttpHandler
        {
            ConnectCallback = Loopback.ConnectAsync,
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
    }

    private string EnvLine(string file, string key) =>
        File.ReadAllLines(Path.Combine(deployment.CopyPath, file)).Single(line => line.StartsWith(key + "=", StringComparison.Ordinal));

    private async Task<string> LogsAsync(string container)
    {
        var logs = await deployment.DockerAsync(["logs", container]);
        return logs.StandardOutput + logs.StandardError;
    }

    private static int SignIns(string logs) =>
        logs.Split('\n').Count(line => line.Contains("\"RequestPath\":\"/api/auth/login\",\"StatusCode\":200", StringComparison.Ordinal));

    private static async Task<string> SignInAsync(HttpClient client, string username, string password)
    {
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        Assert.True(
            response.StatusCode == HttpStatusCode.OK,
            $"sign-in as {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"
        );
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    // Signed with the account compose-init wrote for the RecordingsService, over the public URL, as Twilio signs.
    private HttpRequestMessage Callback(string sid)
    {
        var account = deployment.EnvValue("deploy/recordings.env", "TWILIO_ACCOUNT_SID");
        var fields = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", account),
            new("CallSid", "CA" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))),
            new("RecordingSid", sid),
            new("RecordingStatus", "completed"),
            new("RecordingDuration", "42"),
            new("RecordingChannels", "1"),
            new("RecordingSource", "RecordVerb"),
            new("RecordingStartTime", DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)),
        };
        return TwilioSigner.Callback(
            fields,
            deployment.EnvValue("deploy/recordings.env", "TWILIO_AUTH_TOKEN"),
            deployment.EnvValue("deploy/recordings.env", "PUBLIC_BASE_URL") + "/webhooks/recording"
        );
    }

    private static async Task<JsonElement> ReceiveAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        using var message = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
        return message.RootElement.Clone();
    }
}
