namespace Services.Tests.InternalTls;

/// <summary>A service reachable beyond loopback accepts only the platform's processes, or does not start.</summary>
public sealed class InternalTlsStartupTests
{
    [Theory]
    [InlineData("AuthService", "ASPNETCORE_URLS", "http://0.0.0.0:0")]
    [InlineData("AuthService", "ASPNETCORE_URLS", "http://127.0.0.1:0;http://+:0")]
    [InlineData("RecordingsService", "ASPNETCORE_URLS", "http://[::]:0")]
    [InlineData("RecordingsService", "Kestrel__Endpoints__Public__Url", "http://calls-internal:0")]
    public async Task ListeningBeyondLoopback_WithoutInternalTls_DoesNotStart(string service, string variable, string value)
    {
        using var data = TemporaryDirectory.Create("internal-tls-");
        var environment = Development(data.Path);
        environment[variable] = value;

        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync(service, [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains(
            "beyond loopback, without internal TLS: set INTERNAL_TLS_CA, INTERNAL_TLS_CERT and INTERNAL_TLS_KEY",
            stderr,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain("Now listening", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InternalTls_HalfConfiguredOrPlainHttpOrFromAnotherCa_SaysWhatIsWrong()
    {
        using var data = TemporaryDirectory.Create("internal-tls-");
        using var ours = await CertificatesAsync();
        using var theirs = await CertificatesAsync();

        var half = Development(data.Path);
        half["INTERNAL_TLS_CA"] = Path.Combine(ours.Path, "auth", "ca.crt");
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("AuthService", [], environment: half);
        Assert.Equal(78, exitCode);
        Assert.Contains("INTERNAL_TLS_CERT and INTERNAL_TLS_KEY must be set as well", stderr, StringComparison.Ordinal);

        var plain = WithCertificates(Development(data.Path), ours.Path, ours.Path);
        plain["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        (exitCode, _, stderr) = await Processes.RunBuiltAsync("RecordingsService", [], environment: plain);
        Assert.Equal(78, exitCode);
        Assert.Contains("listens on http://127.0.0.1:0 in plain HTTP although internal TLS is set", stderr, StringComparison.Ordinal);
        Assert.Contains(
            "JWKS_URL has http://127.0.0.1:5001/.well-known/jwks.json: with internal TLS the services are called over https",
            stderr,
            StringComparison.Ordinal
        );

        var foreign = WithCertificates(Development(data.Path), ours.Path, theirs.Path);
        (exitCode, _, stderr) = await Processes.RunBuiltAsync("AuthService", [], environment: foreign);
        Assert.Equal(78, exitCode);
        Assert.Contains("INTERNAL_TLS_CERT (CN=auth) is not a valid certificate of INTERNAL_TLS_CA", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Development(string data) =>
        new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["DATA_DIR"] = data,
            ["INTERNAL_TLS_CA"] = null,
            ["INTERNAL_TLS_CERT"] = null,
            ["INTERNAL_TLS_KEY"] = null,
            ["JWKS_URL"] = null,
            ["REVOCATION_FEED_URL"] = null,
        };

    private static Dictionary<string, string?> WithCertificates(Dictionary<string, string?> environment, string authority, string certificates)
    {
        environment["ASPNETCORE_URLS"] = "https://127.0.0.1:0";
        environment["INTERNAL_TLS_CA"] = Path.Combine(authority, "auth", "ca.crt");
        environment["INTERNAL_TLS_CERT"] = Path.Combine(certificates, "auth", "tls.crt");
        environment["INTERNAL_TLS_KEY"] = Path.Combine(certificates, "auth", "tls.key");
        return environment;
    }

    private static async Task<TemporaryDirectory> CertificatesAsync()
    {
        var directory = TemporaryDirectory.Create("internal-certs-");
        var made = await Processes.RunAsync("bash", [Path.Combine(Repository.Root, "certs", "generate-internal-certs.sh"), "--dir", directory.Path]);
        Assert.True(made.ExitCode == 0, made.StandardError);
        return directory;
    }
}
