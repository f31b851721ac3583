using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Platform.Security.Revocation;
using Platform.Security.Tokens;
using RecordingsService.Configuration;
using WireMock.Server;

namespace Services.Tests.Infrastructure;

/// <summary>
/// The RecordingsService in memory, its tokens checked against a real (in-memory) AuthService, and Twilio's REST
/// API faked by WireMock.Net. Callbacks are signed with the test account's auth token, as Twilio would.
/// </summary>
public sealed class RecordingsHost : WebApplicationFactory<RecordingsSettings>
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "test-auth-token-0123456789";
    public const string PublicBaseUrl = "https://calls.example.com";

    private readonly Dictionary<string, string> _settings;

    public RecordingsHost(IDictionary<string, string>? settings = null)
    {
        DataDirectory = Directory.CreateTempSubdirectory("recordings-data-").FullName;
        Twilio = WireMockServer.Start();
        _settings = new Dictionary<string, string>
        {
            ["DATA_DIR"] = DataDirectory,
            ["TWILIO_ACCOUNT_SID"] = AccountSid,
            ["TWILIO_AUTH_TOKEN"] = AuthToken,
            ["PUBLIC_BASE_URL"] = PublicBaseUrl,
            ["TWILIO_API_BASE_URL"] = Twilio.Url!,
            // Any loopback address: the handler below answers in memory.
            ["JWKS_URL"] = "http://127.0.0.1:9/.well-known/jwks.json",
            ["REVOCATION_POLL_SECONDS"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }
    public WireMockServer Twilio { get; }
    public AuthHost Auth { get; } = new();
    public FakeTimeProvider? Time { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        // The AuthService first: the JWKS reader and the revocation follower start together and would both create it
        // (WebApplicationFactory's lazy server is not thread-safe: two hosts on one DATA_DIR, and a key read that failed).
        _ = Auth.Server;
        builder.ConfigureTestServices(services =>
        {
            // JWKS and the revocation feed come from the in-memory AuthService.
            services.AddHttpClient(JwksKeyCache.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Auth.Server.CreateHandler());
            services.AddHttpClient(RevocationFeedFollower.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Auth.Server.CreateHandler());
            if (Time is not null)
            {
                services.AddSingleton<TimeProvider>(Time);
            }
        });
    }

    /// <summary>Waits until the service has read the AuthService's keys, so tokens are accepted.</summary>
    public async Task StartAsync()
    {
        _ = Server;
        var keys = Services.GetRequiredService<JwksKeyCache>();
        await Wait.UntilAsync(() => keys.LastSuccess is not null, TimeSpan.FromSeconds(10), "the service has read the AuthService's keys");
    }

    public HttpClient Client(string? accessToken = null)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    public async Task<string> AdminTokenAsync() => (await Auth.SignInAsync()).AccessToken;

    public async Task<string> ViewerTokenAsync()
    {
        var admin = await Auth.SignInAsync();
        using (
            await Auth.SendAsync(
                HttpMethod.Post,
                "/api/users",
                admin.AccessToken,
                new
                {
                    username = "vera",
                    password = "viewer-password-1",
                    role = "viewer",
                }
            )
        ) { }

        return (await Auth.SignInAsync("vera", "viewer-password-1")).AccessToken;
    }

    /// <summary>A recording status callback as Twilio posts it, signed for <paramref name="signedUrl"/> (default: the public URL).</summary>
    public static HttpRequestMessage Callback(
        IReadOnlyList<KeyValuePair<string, string>> fields,
        string? signedUrl = null,
        string? signature = null,
        string pathAndQuery = "/webhooks/recording"
    )
    {
        var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", signature ?? Sign(signedUrl ?? PublicBaseUrl + pathAndQuery, fields));
        return request;
    }

    /// <summary>Twilio's signature (<see cref="TwilioSigner"/>) with this host's auth token unless another is given.</summary>
    public static string Sign(string url, IEnumerable<KeyValuePair<string, string>> fields, string authToken = AuthToken) =>
        TwilioSigner.Sign(url, fields, authToken);

    public static List<KeyValuePair<string, string>> Fields(
        string recordingSid,
        string status = "completed",
        string callSid = "CA0123456789abcdef0123456789abcdef",
        string? duration = "42",
        string accountSid = AccountSid,
        string? startTime = "Sat, 28 Nov 2026 09:30:00 +0000",
        string? channels = "1",
        string? source = "RecordVerb"
    )
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", accountSid),
            new("CallSid", callSid),
            new("RecordingSid", recordingSid),
            new("RecordingStatus", status),
            new("RecordingUrl", $"https://api.twilio.com/2010-04-01/Accounts/{accountSid}/Recordings/{recordingSid}"),
        };
        if (duration is not null)
        {
            fields.Add(new("RecordingDuration", duration));
        }

        if (startTime is not null)
        {
            fields.Add(new("RecordingStartTime", startTime));
        }

        if (channels is not null)
        {
            fields.Add(new("RecordingChannels", channels));
        }

        if (source is not null)
        {
            fields.Add(new("RecordingSource", source));
        }

        return fields;
    }

    public static string NewRecordingSid() => "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Twilio.Stop();
            Auth.Dispose();
            if (Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
    }
}
