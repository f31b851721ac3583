using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Tests.Infrastructure;
using System.Text.Json;

namespace System.Tests.InternalTls;

/// <summary>The whole system as <c>INTERNAL_TLS=1 deploy/run.sh</c> starts it: mutual TLS between the gateway and the services.</summary>
public sealed class InternalTlsSystem : IAsyncLifetime
{
    public RunningSystem System { get; private set; } = null!;

    /// <summary>Where run.sh had certs/generate-internal-certs.sh write the deployment CA and the certificates.</summary>
    public string CertificatesDirectory => Path.Combine(System.DataDirectory, "internal-tls");

    // No proxy address is trusted (TRUSTED_PROXIES names an unused one): as in containers, where the gateway's address
    // is not known in advance, only its certificate makes its X-Forwarded-For believed.
    public async Task InitializeAsync() =>
        System = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["INTERNAL_TLS"] = "1", ["TRUSTED_PROXIES"] = "192.0.2.1" });

    public async Task DisposeAsync() => await System.DisposeAsync();
}

[Collection(Browser.RunScriptGroup.Name)]
public sealed class InternalTlsTests(InternalTlsSystem fixture) : IClassFixture<InternalTlsSystem>
{
    private readonly RunningSystem _system = fixture.System;

    [Fact]
    public async Task ThroughTheGateway_SignInCallbacksListsAndLiveEvents_WorkOverMutualTls()
    {
        using var client = _system.Client();
        var token = await SignInAsync(client);

        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await socket.ConnectAsync(new UriBuilder(_system.Url) { Scheme = "wss", Path = "/ws" }.Uri, CancellationToken.None);

        var sid = RunningSystem.NewRecordingSid();
        using var callback = await _system.PostCallbackAsync(sid);
        Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);

        using var list = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        list.Headers.Authorization = new("Bearer", token);
        using var listed = await client.SendAsync(list);
        var page = await listed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(page.GetProperty("items").EnumerateArray(), item => item.GetProperty("sid").GetString() == sid);

        Assert.Equal(sid, await LiveEvents.FirstRecordingSidAsync(socket));
    }

    [Theory]
    [InlineData("auth", "/api/auth/login")]
    [InlineData("recordings", "/webhooks/recording")]
    public async Task AClientWithoutACertificate_IsRefused403_BeforeItsForwardedForIsRead(string service, string path)
    {
        using var direct = Direct(service, clientCertificate: null);
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(new { username = _system.AdminUsername, password = _system.AdminPassword }),
        };
        // What a caller that reached a service past the gateway would try: pose as the gateway's forwarded client.
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var response = await direct.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("access_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.9", _system.Output, StringComparison.Ordinal);

        // Orchestrators' probes need no certificate.
        using var probe = await direct.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
    }

    [Fact]
    public async Task ADeploymentCertificate_MakesTheForwardedClientBelieved_FromAnAddressNoSettingNames()
    {
        using var direct = Direct("auth", Load(fixture.CertificatesDirectory, "gateway"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = JsonContent.Create(new { username = _system.AdminUsername, password = "certainly-not-the-password" }),
        };
        request.Headers.Add("X-Forwarded-For", "198.51.100.77");
        using var refused = await direct.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // The audit names the client the gateway saw, not the address the request came from.
        using var client = _system.Client();
        using var audit = new HttpRequestMessage(HttpMethod.Get, "/api/audit/auth?limit=50");
        audit.Headers.Authorization = new("Bearer", await SignInAsync(client));
        using var entries = await client.SendAsync(audit);
        var items = (await entries.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, item =>
            item.GetProperty("clientIp").GetString() == "198.51.100.77" && item.GetProperty("outcome").GetString() != "success"
        );
    }

    [Fact]
    public async Task ACertificateFromAnotherAuthority_FailsTheHandshake_AndPlainHttpIsNotServed()
    {
        using var elsewhere = TemporaryDirectory.Create("other-ca-");
        var made = await Processes.RunAsync("bash", [Script, "--dir", elsewhere.Path]);
        Assert.Equal(0, made.ExitCode);
        using var foreign = Load(elsewhere.Path, "gateway");

        using var withForeign = Direct("auth", foreign);
        await Assert.ThrowsAsync<HttpRequestException>(() => withForeign.GetAsync("/.well-known/jwks.json"));
        using var withPlatforms = Direct("auth", Load(fixture.CertificatesDirectory, "gateway"));
        using var accepted = await withPlatforms.GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<Exception>(() => plain.GetAsync($"http://127.0.0.1:{_system.AuthPort}/.well-known/jwks.json"));
    }

    [Fact]
    public async Task ANewDeploymentCa_IsTakenUpWithoutARestart_AndTheOldOneRefusedOnceDropped()
    {
        var directory = fixture.CertificatesDirectory;
        var oldGatewayCertificate = Load(directory, "gateway");
        var oldAuthority = (await ServedCertificateAsync(_system.AuthPort)).Issuer;
        using var oldCopy = TemporaryDirectory.Create("old-gateway-");
        Directory.CreateDirectory(Path.Combine(oldCopy.Path, "gateway"));
        foreach (var file in new[] { "tls.crt", "tls.key" })
        {
            File.Copy(Path.Combine(directory, "gateway", file), Path.Combine(oldCopy.Path, "gateway", file));
        }

        try
        {
            // Step 1: a new CA issues every certificate; both CAs are trusted meanwhile.
            Assert.Equal(0, (await Processes.RunAsync("bash", [Script, "--dir", directory, "--new-ca"])).ExitCode);
            await Wait.UntilAsync(
                async () =>
                    (await ServedCertificateAsync(_system.AuthPort)).Issuer != oldAuthority
                    && (await ServedCertificateAsync(_system.RecordingsPort)).Issuer != oldAuthority,
                TimeSpan.FromSeconds(20),
                "the services serve certificates of the new CA"
            );
            using (var stillOld = Direct("auth", oldGatewayCertificate))
            using (var during = await stillOld.GetAsync("/.well-known/jwks.json"))
            {
                Assert.Equal(HttpStatusCode.OK, during.StatusCode); // the previous CA is still trusted during the change
            }

            using var client = _system.Client();
            Assert.NotNull(await SignInAsync(client));

            // Step 2: only the new CA.
            Assert.Equal(0, (await Processes.RunAsync("bash", [Script, "--dir", directory, "--drop-previous-ca"])).ExitCode);
            using var old = Load(oldCopy.Path, "gateway");
            await Wait.UntilAsync(
                async () =>
                {
                    using var withOld = Direct("auth", old);
                    try
                    {
                        using var _ = await withOld.GetAsync("/.well-known/jwks.json");
                        return false;
                    }
                    catch (HttpRequestException)
                    {
                        return true;
                    }
                },
                TimeSpan.FromSeconds(20),
                "a certificate of the dropped CA is refused"
            );

            using var withNew = Direct("auth", Load(directory, "gateway"));
            using var current = await withNew.GetAsync("/.well-known/jwks.json");
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);
            Assert.NotNull(await SignInAsync(client));
            // The gateway re-read its files too: it logs what it presents at start and after each change.
            Assert.True(Occurrences(_system.Output, "Gateway: Internal TLS: presenting CN=gateway") >= 2, _system.Output);
        }
        finally
        {
            oldGatewayCertificate.Dispose();
        }
    }

    private static int Occurrences(string text, string value) => text.Split(value).Length - 1;

    private static string Script => Path.Combine(Repository.Root, "certs", "generate-internal-certs.sh");

    private async Task<string> SignInAsync(HttpClient client)
    {
        using var signIn = await client.PostAsJsonAsync(
            "/api/auth/login",
            new { username = _system.AdminUsername, password = _system.AdminPassword }
        );
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        return (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>A client straight to a service's port, trusting the deployment CA, presenting <paramref name="clientCertificate"/>.</summary>
    private HttpClient Direct(string service, X509Certificate2? clientCertificate)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(Path.Combine(fixture.CertificatesDirectory, "gateway", "ca.crt"));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                },
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            },
        };
        handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(authorities);
        var port = service == "auth" ? _system.AuthPort : _system.RecordingsPort;
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    private static X509Certificate2 Load(string directory, string name)
    {
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(directory, name, "tls.crt"), Path.Combine(directory, name, "tls.key"));
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>The certificate a service presents on a new connection.</summary>
    private static async Task<X509Certificate> ServedCertificateAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        // The certificate is read, not trusted.
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => certificate is not null);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        return tls.RemoteCertificate!;
    }
}
