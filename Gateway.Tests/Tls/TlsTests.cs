using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Tls;

public sealed class TlsTests
{
    [Theory]
    [InlineData("-tls1_1")]
    [InlineData("-tls1")]
    public async Task OldTlsVersions_AreRefused(string version)
    {
        await using var gateway = await GatewayHost.StartAsync();

        // SECLEVEL=0 lets the client offer old versions, so the refusal is the server's.
        var output = await OpenSslAsync(gateway, version, "-cipher", "DEFAULT@SECLEVEL=0");

        Assert.Contains("New, (NONE), Cipher is (NONE)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("New, TLSv", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1_2", "TLSv1.2")]
    [InlineData("-tls1_3", "TLSv1.3")]
    public async Task Tls12And13_AreAccepted(string version, string protocol)
    {
        await using var gateway = await GatewayHost.StartAsync();

        var output = await OpenSslAsync(gateway, version, "-cipher", "DEFAULT@SECLEVEL=0");

        Assert.Contains($"New, {protocol}, Cipher is ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ECDHE-ECDSA-AES128-SHA")] // CBC with SHA-1: not in Mozilla intermediate
    [InlineData("AES128-GCM-SHA256")] // no forward secrecy
    public async Task Tls12_WeakCiphers_AreRefused(string cipher)
    {
        await using var gateway = await GatewayHost.StartAsync();

        var output = await OpenSslAsync(gateway, "-tls1_2", "-cipher", cipher + ":@SECLEVEL=0");

        Assert.Contains("New, (NONE), Cipher is (NONE)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("New, TLSv", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutOpenSslCipherRules_TheGatewayEnforcesThemItself_AndSaysResumptionIsOff()
    {
        // This test process has no OPENSSL_CONF: the weak-cipher tests above pass through .NET's policy here, and
        // the operator is told why returning clients pay a full handshake (the run-script test shows the other side).
        await using var gateway = await GatewayHost.StartAsync();

        var warning = Assert.Single(gateway.Logs.Events, e =>
            e.MessageTemplate.Text.StartsWith("TLS session resumption off", StringComparison.Ordinal)
        );
        Assert.Equal(Serilog.Events.LogEventLevel.Warning, warning.Level);
        var returning = await OpenSsl.ResumedHandshakeAsync(gateway.HttpsUrl.Port, "-tls1_2");
        Assert.Contains("New, TLSv1.2", returning, StringComparison.Ordinal);
        Assert.DoesNotContain("Reused", returning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task AConnectionTheGatewayCloses_EndsWithCloseNotify(string version)
    {
        await using var gateway = await GatewayHost.StartAsync();

        // "Connection: close": the gateway answers, then ends the connection. s_client prints "closed" only when a
        // close_notify alert arrived; a bare socket close would look like a truncated response.
        var output = await OpenSsl.RequestAsync(
            gateway.HttpsUrl.Port,
            version,
            "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        );

        Assert.Contains("HTTP/1.1 200 OK", output, StringComparison.Ordinal);
        Assert.Contains("\nclosed\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewedCertificateFiles_AreServedWithoutRestart()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var first = await ServedThumbprintAsync(gateway);
        Assert.Equal(gateway.Certificate.Thumbprint, first);

        var renewed = gateway.Certificate.WriteNew("localhost-renewed");

        await Wait.UntilAsync(
            async () => await ServedThumbprintAsync(gateway) == renewed,
            TimeSpan.FromSeconds(15),
            "the renewed certificate is served"
        );
        using var client = gateway.CreateClient();
        using var response = await client.GetAsync("/health");
        Assert.True(response.IsSuccessStatusCode);
    }

    [Fact]
    public async Task BrokenCertificateFiles_KeepTheCurrentCertificate()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var served = await ServedThumbprintAsync(gateway);

        await File.WriteAllTextAsync(
            gateway.Certificate.CertificatePath,
            "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n"
        );
        // Give the watcher time to see the change and refuse it: then the old certificate must still be served.
        await Wait.UntilAsync(
            () => Task.FromResult(gateway.Logs.Events.Any(e => e.MessageTemplate.Text.Contains("could not be loaded", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(15),
            "the reload failure is logged"
        );

        Assert.Equal(served, await ServedThumbprintAsync(gateway));
    }

    private static async Task<string> ServedThumbprintAsync(GatewayHost gateway)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", gateway.HttpsUrl.Port);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, cert, _, _) => cert is not null);
        await ssl.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 }
        );
        return ssl.RemoteCertificate!.GetCertHashString();
    }

    private static Task<string> OpenSslAsync(GatewayHost gateway, params string[] options) => OpenSsl.ClientAsync(gateway.HttpsUrl.Port, options);
}
