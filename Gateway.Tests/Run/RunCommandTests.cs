using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Run;

/// <summary>The README's run command, as a new user runs it: everything starts and the gateway is ready over HTTPS.</summary>
[Collection(Gateway.Tests.Browser.RunScriptGroup.Name)]
public sealed class RunCommandTests
{
    [Fact]
    public async Task RunScript_StartsAllServices_GatewayReadyOverHttps_AndCtrlCStopsThem()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("run-script-").FullName;
        var ports = new { Https = Repository.FreePort(), Http = Repository.FreePort(), Auth = Repository.FreePort(), Recordings = Repository.FreePort() };
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "deploy", "run.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        start.Environment["PORT"] = ports.Https.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["HTTP_PORT"] = ports.Http.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AUTH_PORT"] = ports.Auth.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RECORDINGS_PORT"] = ports.Recordings.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DATA_DIR"] = dataDirectory;
        start.Environment["RUN_CONFIGURATION"] = Repository.Configuration;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = null;

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Sign in at https://localhost:", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var finished = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(4)));
            Assert.True(ready.Task.IsCompleted, $"run.sh did not report ready:\n{Snapshot(output)}");

            // The development CA the script created is all a client needs to trust the gateway.
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Repository.Root, "certs", "dev", "ca.crt")));
            using var handler = new SocketsHttpHandler
            {
                UseCookies = false,
                SslOptions = new SslClientAuthenticationOptions
                {
                    CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, CustomTrustStore = { ca }, RevocationMode = X509RevocationMode.NoCheck },
                },
            };
            using var client = new HttpClient(handler);
            using var response = await client.GetAsync(new Uri($"https://localhost:{ports.Https}/health/ready"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            var login = Snapshot(output).Split('\n').Single(line => line.Contains("Development login:", StringComparison.Ordinal));
            var match = System.Text.RegularExpressions.Regex.Match(login, @"Development login: (\S+) / (\S{12,})");
            Assert.True(match.Success, login);
            Assert.True(File.Exists(Path.Combine(dataDirectory, "dev-admin.txt")));

            // The printed login works through the gateway, and the session cookie it sets is enough afterwards.
            var gateway = new Uri($"https://localhost:{ports.Https}");
            using var signIn = await client.PostAsync(new Uri(gateway, "/api/auth/login"), new StringContent(
                $"{{\"username\":\"{match.Groups[1].Value}\",\"password\":\"{match.Groups[2].Value}\"}}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            var session = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-session=", StringComparison.Ordinal)).Split(';')[0];
            using var me = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "/api/auth/me"));
            me.Headers.Add("Cookie", session);
            using var meResponse = await client.SendAsync(me);
            Assert.StartsWith("{\"username\":\"admin\",\"role\":\"admin\",", await meResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var jwks = await client.GetAsync(new Uri(gateway, "/.well-known/jwks.json"));
            Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);
        }
        finally
        {
            // Ctrl-C: the script stops every service it started.
            _ = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(stopped.Token);
        }

        await Wait.UntilAsync(() => Task.FromResult(!PortIsOpen(ports.Https) && !PortIsOpen(ports.Auth) && !PortIsOpen(ports.Recordings)),
            TimeSpan.FromSeconds(20), "every service has stopped");
        Directory.Delete(dataDirectory, recursive: true);
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static bool PortIsOpen(int port)
    {
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            tcp.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
