extern alias recordings;

using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using RecordingsSettings = recordings::RecordingsService.Configuration.RecordingsSettings;

namespace Gateway.Tests.EndToEnd;

/// <summary>The real RecordingsService behind the real gateway: a signed callback shows up in the list and live.</summary>
public sealed class RecordingsThroughGatewayTests : IAsyncLifetime
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "end-to-end-auth-token";
    private const string PublicBaseUrl = "https://calls.example.com";

    private TestIdentity _identity = null!;
    private RecordingsFactory _recordings = null!;
    private GatewayHost _gateway = null!;
    private string _data = null!;

    public async Task InitializeAsync()
    {
        _identity = await TestIdentity.StartAsync();
        _data = Directory.CreateTempSubdirectory("e2e-recordings-").FullName;
        _recordings = new RecordingsFactory(new Dictionary<string, string>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["DATA_DIR"] = _data,
            ["TWILIO_ACCOUNT_SID"] = AccountSid,
            ["TWILIO_AUTH_TOKEN"] = AuthToken,
            ["PUBLIC_BASE_URL"] = PublicBaseUrl,
            ["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9",
            ["JWKS_URL"] = _identity.JwksUrl.ToString(),
            ["REVOCATION_FEED_URL"] = _identity.FeedUrl.ToString(),
        });
        _recordings.UseKestrel();
        _recordings.StartServer();
        var address = _recordings.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        await Wait.UntilAsync(() => Task.FromResult(_recordings.Services.GetRequiredService<Platform.Security.Tokens.JwksKeyCache>().Contains(_identity.Key.Kid)),
            TimeSpan.FromSeconds(10), "the RecordingsService has read the keys");

        _gateway = await GatewayHost.StartAsync(new Dictionary<string, string>
        {
            ["RECORDINGS_SERVICE_URLS"] = address,
            ["JWKS_URL"] = _identity.JwksUrl.ToString(),
            ["REVOCATION_FEED_URL"] = _identity.FeedUrl.ToString(),
        });
        await Wait.UntilAsync(() => Task.FromResult(_gateway.Services.GetRequiredService<Platform.Security.Tokens.JwksKeyCache>().Contains(_identity.Key.Kid)),
            TimeSpan.FromSeconds(10), "the gateway has read the keys");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _recordings.DisposeAsync();
        await _identity.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task SignedCallbackThroughTheGateway_IsListed_AndArrivesLiveOnTheWebSocket()
    {
        var token = _identity.Mint(role: "viewer");
        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await socket.ConnectAsync(new UriBuilder(_gateway.HttpsUrl) { Scheme = "wss", Path = "/ws" }.Uri, CancellationToken.None);

        var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var anonymous = _gateway.CreateAnonymousClient();
        using var callback = await anonymous.SendAsync(Callback(sid));
        Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);

        using var viewer = _gateway.CreateAnonymousClient();
        viewer.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var list = await viewer.GetFromJsonAsync<JsonElement>("/api/recordings");
        Assert.Equal(sid, list.GetProperty("items")[0].GetProperty("sid").GetString());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        using var message = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
        Assert.Equal(sid, message.RootElement.GetProperty("recording").GetProperty("sid").GetString());
    }

    [Fact]
    public async Task CallbackSignedForTheGatewaysOwnHost_IsRefused_BecauseOnlyPublicBaseUrlCounts()
    {
        var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var anonymous = _gateway.CreateAnonymousClient();
        using var callback = await anonymous.SendAsync(Callback(sid, signedFor: new Uri(_gateway.HttpsUrl, "/webhooks/recording").ToString()));

        Assert.Equal(HttpStatusCode.Forbidden, callback.StatusCode);
        using var viewer = _gateway.CreateAnonymousClient();
        viewer.DefaultRequestHeaders.Authorization = new("Bearer", _identity.Mint(role: "viewer"));
        using var lookup = await viewer.GetAsync($"/api/recordings/{sid}");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    private static HttpRequestMessage Callback(string sid, string? signedFor = null)
    {
        var fields = new Dictionary<string, string>
        {
            ["AccountSid"] = AccountSid,
            ["CallSid"] = "CA0123456789abcdef0123456789abcdef",
            ["RecordingSid"] = sid,
            ["RecordingStatus"] = "completed",
            ["RecordingDuration"] = "12",
        };
        return TwilioSigner.Callback(fields, AuthToken, signedFor ?? PublicBaseUrl + "/webhooks/recording");
    }

    private sealed class RecordingsFactory(IDictionary<string, string> settings) : WebApplicationFactory<RecordingsSettings>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
