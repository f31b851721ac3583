using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway (Program) on real Kestrel with free ports, a throw-away certificate and settings given as
/// configuration (never process-wide environment variables, so hosts can run in parallel).
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly GatewayFactory _factory;

    private GatewayHost(GatewayFactory factory, TestCertificate certificate)
    {
        _factory = factory;
        Certificate = certificate;
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(address => new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)))
            .ToList();
        HttpsUrl = addresses.Single(address => address.Scheme == Uri.UriSchemeHttps);
        HttpUrl = addresses.Single(address => address.Scheme == Uri.UriSchemeHttp);
    }

    public Uri HttpsUrl { get; }
    public Uri HttpUrl { get; }
    public TestCertificate Certificate { get; }
    public LogCapture Logs => _factory.Logs;
    public IServiceProvider Services => _factory.Services;

    /// <summary>The default "unreachable" backend: a port nobody listens on.</summary>
    public static readonly Uri DeadBackend = new("http://127.0.0.1:9");

    /// <param name="settings">Variables as CONTRACT.md names them; they override the defaults below.</param>
    public static Task<GatewayHost> StartAsync(IDictionary<string, string>? settings = null, string environment = "Production")
    {
        var certificate = TestCertificate.Create();
        var all = new Dictionary<string, string>
        {
            ["PORT"] = "0",
            ["HTTP_PORT"] = "0",
            ["TLS_CERT_PATH"] = certificate.CertificatePath,
            ["TLS_KEY_PATH"] = certificate.KeyPath,
            ["ALLOWED_ORIGINS"] = "https://app.example.com",
            ["AUTH_SERVICE_URLS"] = DeadBackend.ToString(),
            ["RECORDINGS_SERVICE_URLS"] = DeadBackend.ToString(),
            ["HEALTH_CHECK_INTERVAL_SECONDS"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var factory = new GatewayFactory(all, environment);
        factory.UseKestrel();
        factory.StartServer();
        return Task.FromResult(new GatewayHost(factory, certificate));
    }

    /// <summary>A client that trusts this host's certificate, follows no redirects and keeps no cookies.</summary>
    public HttpClient CreateClient(Version? version = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            // Send exactly the headers a test sets (no trace context of the test process's own).
            ActivityHeadersPropagator = null,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null },
        };
        return new HttpClient(handler)
        {
            BaseAddress = HttpsUrl,
            DefaultRequestVersion = version ?? HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Certificate.Dispose();
    }

    private sealed class GatewayFactory(IDictionary<string, string> settings, string environment) : WebApplicationFactory<Program>
    {
        public LogCapture Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(services => services.AddSingleton<ILogEventSink>(Logs));
        }
    }
}
