using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Platform.Security.Tokens;
using Serilog.Core;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway (Program) on real Kestrel with free ports, a throw-away certificate and settings given as
/// configuration (never process-wide environment variables, so hosts can run in parallel).
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly GatewayFactory _factory;
    private readonly TestIdentity? _identity;

    private GatewayHost(GatewayFactory factory, TestCertificate certificate, TestIdentity? identity, int? metricsPort)
    {
        _factory = factory;
        Certificate = certificate;
        _identity = identity;
        var addresses = factory
            .Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.Select(address => new Uri(
                address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)
            ))
            .ToList();
        HttpsUrl = addresses.Single(address => address.Scheme == Uri.UriSchemeHttps);
        HttpUrl = addresses.Single(address => address.Scheme == Uri.UriSchemeHttp && address.Port != metricsPort);
        MetricsUrl = metricsPort is { } port ? new Uri($"http://127.0.0.1:{port}") : null;
    }

    public Uri HttpsUrl { get; }
    public Uri HttpUrl { get; }

    /// <summary>The scrape port's root, when the test set METRICS_PORT.</summary>
    public Uri? MetricsUrl { get; }
    public TestCertificate Certificate { get; }

    /// <summary>The stand-in AuthService whose keys this gateway trusts (unless the test passed its own JWKS_URL).</summary>
    public TestIdentity Identity => _identity ?? throw new InvalidOperationException("This host was given its own JWKS_URL.");
    public LogCapture Logs => _factory.Logs;
    public IServiceProvider Services => _factory.Services;

    /// <summary>The default "unreachable" backend: a port nobody listens on.</summary>
    public static readonly Uri DeadBackend = new("http://127.0.0.1:9");

    /// <param name="settings">Variables as the README names them; they override the defaults below.</param>
    public static async Task<GatewayHost> StartAsync(
        IDictionary<string, string>? settings = null,
        string environment = "Production",
        Action<IServiceCollection>? services = null
    )
    {
        var certificate = TestCertificate.Create();
        var identity = settings?.ContainsKey("JWKS_URL") == true ? null : await TestIdentity.StartAsync();
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
            ["REVOCATION_POLL_SECONDS"] = "1",
            // Out of reach unless a test is about limits.
            ["RATE_LIMIT_MAX"] = "1000000",
            ["LOGIN_RATE_LIMIT_MAX"] = "1000000",
        };
        if (identity is not null)
        {
            all["JWKS_URL"] = identity.JwksUrl.ToString();
            all["REVOCATION_FEED_URL"] = identity.FeedUrl.ToString();
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var factory = new GatewayFactory(all, environment, services);
        factory.UseKestrel();
        factory.StartServer();
        var host = new GatewayHost(
            factory,
            certificate,
            identity,
            all.TryGetValue("METRICS_PORT", out var metricsPort) ? int.Parse(metricsPort, CultureInfo.InvariantCulture) : null
        );
        // Service URLs go through DNS discovery: until their names are resolved, a cluster has no destination and
        // requests are answered 503 (readiness says "0 of 0"). A test starts once every cluster has its replicas.
        var proxy = host.Services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>();
        await Wait.UntilAsync(
            () => proxy.GetClusters().Any() && proxy.GetClusters().All(cluster => cluster.DestinationsState.AllDestinations.Count > 0),
            TimeSpan.FromSeconds(10),
            "the gateway has resolved its service URLs"
        );
        if (identity is not null)
        {
            var clock = host.Services.GetRequiredService<TimeProvider>();
            identity.Clock = clock.GetUtcNow;
            // Tokens are only accepted once the keys are read: wait for that, as a real client would retry.
            await Wait.UntilAsync(
                () => Task.FromResult(host.Services.GetRequiredService<JwksKeyCache>().Contains(identity.Key.Kid)),
                TimeSpan.FromSeconds(10),
                "the gateway has read the test JWKS"
            );
        }

        return host;
    }

    /// <summary>A client that trusts this host's certificate, follows no redirects, keeps no cookies and sends an admin token.</summary>
    public HttpClient CreateClient(Version? version = null)
    {
        var client = CreateAnonymousClient(version);
        if (_identity is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _identity.Mint());
        }

        return client;
    }

    /// <summary>As <see cref="CreateClient"/>, without a token.</summary>
    public HttpClient CreateAnonymousClient(Version? version = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            // Send exactly the headers a test sets (no trace context of the test process's own).
            ActivityHeadersPropagator = null,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null },
            ConnectCallback = Loopback.ConnectAsync,
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
        if (_identity is not null)
        {
            await _identity.DisposeAsync();
        }
    }

    private sealed class GatewayFactory(IDictionary<string, string> settings, string environment, Action<IServiceCollection>? configureServices)
        : WebApplicationFactory<Program>
    {
        public LogCapture Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            builder.UseSetting("SHUTDOWN_DRAIN_SECONDS", "0"); // no drain when a test is over, unless a test asks for one
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<ILogEventSink>(Logs);
                configureServices?.Invoke(services);
            });
        }
    }
}
