extern alias recordings;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using IRecordingStore = recordings::RecordingsService.Recordings.IRecordingStore;
using RecordingsSettings = recordings::RecordingsService.Configuration.RecordingsSettings;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A class fixture: the real RecordingsService (Production, its own DATA_DIR, Twilio unreachable) on real Kestrel
/// behind the real gateway, both trusting the keys of a <see cref="TestIdentity"/>.
/// </summary>
public sealed class RecordingsBehindGateway : IAsyncLifetime
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "end-to-end-auth-token";
    public const string PublicBaseUrl = "https://calls.example.com";

    private RecordingsFactory _recordings = null!;
    private string _data = null!;

    public TestIdentity Identity { get; private set; } = null!;

    public GatewayHost Gateway { get; private set; } = null!;

    /// <summary>The service's own store, to check what was (not) stored.</summary>
    public IRecordingStore Store => _recordings.Services.GetRequiredService<IRecordingStore>();

    public async Task InitializeAsync()
    {
        Identity = await TestIdentity.StartAsync();
        _data = Directory.CreateTempSubdirectory("e2e-recordings-").FullName;
        _recordings = new RecordingsFactory(
            new Dictionary<string, string>
            {
                ["urls"] = "http://127.0.0.1:0",
                ["DATA_DIR"] = _data,
                ["TWILIO_ACCOUNT_SID"] = AccountSid,
                ["TWILIO_AUTH_TOKEN"] = AuthToken,
                ["PUBLIC_BASE_URL"] = PublicBaseUrl,
                ["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9",
                ["JWKS_URL"] = Identity.JwksUrl.ToString(),
                ["REVOCATION_FEED_URL"] = Identity.FeedUrl.ToString(),
            }
        );
        _recordings.UseKestrel();
        _recordings.StartServer();
        var address = _recordings.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        await Wait.UntilAsync(
            () => _recordings.Services.GetRequiredService<Platform.Security.Tokens.JwksKeyCache>().Contains(Identity.Key.Kid),
            TimeSpan.FromSeconds(10),
            "the RecordingsService has read the keys"
        );

        Gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["RECORDINGS_SERVICE_URLS"] = address,
                ["JWKS_URL"] = Identity.JwksUrl.ToString(),
                ["REVOCATION_FEED_URL"] = Identity.FeedUrl.ToString(),
                // Tests here send many callbacks from one address.
                ["WEBHOOK_RATE_LIMIT_MAX"] = "1000000",
            }
        );
        await Wait.UntilAsync(
            () => Gateway.Services.GetRequiredService<Platform.Security.Tokens.JwksKeyCache>().Contains(Identity.Key.Kid),
            TimeSpan.FromSeconds(10),
            "the gateway has read the keys"
        );
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _recordings.DisposeAsync();
        await Identity.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private sealed class RecordingsFactory(IDictionary<string, string> settings) : WebApplicationFactory<RecordingsSettings>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("SHUTDOWN_DRAIN_SECONDS", "0"); // no drain when a test is over
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
