using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Configuration;

public sealed class StartupCheckTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")] // every name but Development is Production
    public async Task Production_WithMissingAndInvalidSettings_ExitsWithOneMessageListingEach(string environmentName)
    {
        var environment = CleanEnvironment();
        environment["ASPNETCORE_ENVIRONMENT"] = environmentName;
        environment["PORT"] = "not-a-port";
        environment["ALLOWED_ORIGINS"] = "https://ok.example.com, *";

        var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync("Gateway", [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains("TLS_CERT_PATH is required", stderr, StringComparison.Ordinal);
        Assert.Contains("TLS_KEY_PATH is required", stderr, StringComparison.Ordinal);
        Assert.Contains("PORT must be a whole number", stderr, StringComparison.Ordinal);
        Assert.Contains("ALLOWED_ORIGINS has \"*\"", stderr, StringComparison.Ordinal);
        Assert.Contains("4 configuration problem(s)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_WithoutAllowedOrigins_NamesIt()
    {
        using var certificate = TestCertificate.Create();
        var environment = CleanEnvironment();
        environment["TLS_CERT_PATH"] = certificate.CertificatePath;
        environment["TLS_KEY_PATH"] = certificate.KeyPath;

        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("Gateway", [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains("ALLOWED_ORIGINS is required", stderr, StringComparison.Ordinal);
        Assert.Contains("1 configuration problem(s)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_WithAKeyThatDoesNotMatchTheCertificate_SaysSo()
    {
        using var certificate = TestCertificate.Create();
        using var other = TestCertificate.Create();
        var environment = CleanEnvironment();
        environment["TLS_CERT_PATH"] = certificate.CertificatePath;
        environment["TLS_KEY_PATH"] = other.KeyPath;
        environment["ALLOWED_ORIGINS"] = "https://calls.example.com";

        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("Gateway", [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains("do not form a usable certificate", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServicesBeyondLoopback_WithoutInternalTls_AreRefused_SoNoTokenCrossesANetworkInClear()
    {
        using var certificate = TestCertificate.Create();
        var environment = ProductionEnvironment(certificate);
        environment["AUTH_SERVICE_URLS"] = "http://10.0.0.5:5001";
        environment["RECORDINGS_SERVICE_URLS"] = "http://127.0.0.1:5002";
        environment["JWKS_URL"] = "http://auth:5001/.well-known/jwks.json";

        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("Gateway", [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains("AUTH_SERVICE_URLS has http://10.0.0.5:5001/, beyond loopback, without internal TLS", stderr, StringComparison.Ordinal);
        Assert.Contains("JWKS_URL has http://auth:5001/.well-known/jwks.json, beyond loopback", stderr, StringComparison.Ordinal);
        Assert.Contains("REVOCATION_FEED_URL has http://auth:5001/internal/revocations, beyond loopback", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("RECORDINGS_SERVICE_URLS", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWebhookAllowlistEntryThatIsNoAddress_StopsTheStart_NamingIt()
    {
        using var certificate = TestCertificate.Create();
        var environment = ProductionEnvironment(certificate);
        environment["TWILIO_WEBHOOK_ALLOWED_IPS"] = "203.0.113.0/24, 300.1.1.1";

        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("Gateway", [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains(
            "TWILIO_WEBHOOK_ALLOWED_IPS has \"300.1.1.1\", which is neither an IP address nor a CIDR range.",
            stderr,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData("http://cdn.example.net")]
    [InlineData("https://cdn.example.net/?v=1")]
    [InlineData("cdn.example.net")]
    public async Task ACdnUrlThatIsNoHttpsUrl_StopsTheStart(string value)
    {
        using var certificate = TestCertificate.Create();
        var environment = ProductionEnvironment(certificate);
        environment["CDN_BASE_URL"] = value;

        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("Gateway", [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains("CDN_BASE_URL must be an absolute https URL without query", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(48, "holds 48")]
    [InlineData(0, "holds 0")]
    [InlineData(-1, "points to")]
    public async Task ATicketKeyFileThatIsNot80Bytes_StopsTheStart(int length, string problem)
    {
        using var certificate = TestCertificate.Create();
        var environment = ProductionEnvironment(certificate);
        var keyFile = Path.Combine(certificate.Directory, "ticket.key");
        if (length >= 0)
        {
            await File.WriteAllBytesAsync(keyFile, new byte[length]);
        }

        environment["TLS_TICKET_KEY_FILE"] = keyFile;

        var (exitCode, _, stderr) = await Processes.RunBuiltAsync("Gateway", [], environment: environment);

        Assert.Equal(78, exitCode);
        Assert.Contains("TLS_TICKET_KEY_FILE", stderr, StringComparison.Ordinal);
        Assert.Contains(problem, stderr, StringComparison.Ordinal);
    }

    /// <summary>A clean Production environment with everything the gateway needs besides what a test sets.</summary>
    private static Dictionary<string, string?> ProductionEnvironment(TestCertificate certificate)
    {
        var environment = CleanEnvironment();
        environment["TLS_CERT_PATH"] = certificate.CertificatePath;
        environment["TLS_KEY_PATH"] = certificate.KeyPath;
        environment["ALLOWED_ORIGINS"] = "https://calls.example.com";
        return environment;
    }

    private static Dictionary<string, string?> CleanEnvironment()
    {
        var environment = new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["DOTNET_ENVIRONMENT"] = null };
        foreach (
            var name in new[]
            {
                "PORT",
                "HTTP_PORT",
                "TLS_CERT_PATH",
                "TLS_KEY_PATH",
                "ALLOWED_ORIGINS",
                "AUTH_SERVICE_URLS",
                "RECORDINGS_SERVICE_URLS",
                "TRUSTED_PROXIES",
                "TWILIO_WEBHOOK_ALLOWED_IPS",
                "ASPNETCORE_URLS",
                "JWKS_URL",
                "REVOCATION_FEED_URL",
                "INTERNAL_TLS_CA",
                "INTERNAL_TLS_CERT",
                "INTERNAL_TLS_KEY",
                "CDN_BASE_URL",
                "TLS_TICKET_KEY_FILE",
                "REDIS_URL",
            }
        )
        {
            environment[name] = null;
        }

        environment["PORT"] = "0";
        environment["HTTP_PORT"] = "0";
        return environment;
    }
}
