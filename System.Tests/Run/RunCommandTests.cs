using System.Net;
using System.Net.Sockets;
using System.Tests.Browser;
using System.Tests.Infrastructure;
using System.Text;

namespace System.Tests.Run;

/// <summary>The README's run command, as a new user runs it: everything starts and the gateway is ready over HTTPS.</summary>
[Collection(RunScriptGroup.Name)]
public sealed class RunCommandTests
{
    [Fact]
    public async Task RunScript_StartsAllServices_GatewayReadyOverHttps_AndCtrlCStopsThem()
    {
        await using var script = RunScript.Start();
        var (username, password) = await script.WaitUntilReadyAsync();
        Assert.Contains($"Sign in at https://localhost:{script.HttpsPort}/", script.Process.Output, StringComparison.Ordinal);
        Assert.True(password.Length >= 12, "the development password is long enough to be accepted");
        Assert.True(File.Exists(Path.Combine(script.DataDirectory, "dev-admin.txt")));

        // The development CA the script created is all a client needs to trust the gateway.
        using var client = script.Client();
        using var response = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The printed login works through the gateway, and the session cookie it sets is enough afterwards.
        using var signIn = await client.PostAsync(
            "/api/auth/login",
            new StringContent($"{{\"username\":\"{username}\",\"password\":\"{password}\"}}", Encoding.UTF8, "application/json")
        );
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var session = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-session=", StringComparison.Ordinal)).Split(';')[0];
        using var me = new HttpRequestMessage(HttpMethod.Get, "/api/auth/me");
        me.Headers.Add("Cookie", session);
        using var meResponse = await client.SendAsync(me);
        Assert.StartsWith("{\"username\":\"admin\",\"role\":\"admin\",", await meResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var jwks = await client.GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);

        // The gateway as the script starts it: OpenSSL holds it to the cipher rules, so a returning client resumes its
        // TLS session (TLS 1.2 by session ticket; TLS 1.3 by PSK), and a client offering only weak suites is still refused.
        Assert.Contains("TLS session resumption on", script.Process.Output, StringComparison.Ordinal);
        foreach (var version in new[] { "-tls1_2", "-tls1_3" })
        {
            Assert.Contains("Reused, TLSv1.", await OpenSsl.ResumedHandshakeAsync(script.HttpsPort, version), StringComparison.Ordinal);
        }

        foreach (var weak in new[] { "ECDHE-ECDSA-AES128-SHA", "AES128-GCM-SHA256" })
        {
            Assert.Contains(
                "Cipher is (NONE)",
                await OpenSsl.ClientAsync(script.HttpsPort, "-tls1_2", "-cipher", weak + ":@SECLEVEL=0"),
                StringComparison.Ordinal
            );
        }

        // Ctrl-C: the script stops every service it started.
        Assert.True(await script.Process.InterruptAsync(TimeSpan.FromSeconds(30)), "run.sh did not stop on Ctrl-C");
        await Wait.UntilAsync(
            () => !PortIsOpen(script.HttpsPort) && !PortIsOpen(script.AuthPort) && !PortIsOpen(script.RecordingsPort),
            TimeSpan.FromSeconds(20),
            "every service has stopped"
        );
    }

    private static bool PortIsOpen(int port)
    {
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            tcp.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
