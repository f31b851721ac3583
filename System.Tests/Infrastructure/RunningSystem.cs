using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace System.Tests.Infrastructure;

/// <summary>
/// The whole system as the README's run command starts it (deploy/run.sh: gateway, AuthService, RecordingsService),
/// on free ports and a temporary DATA_DIR, with Twilio's REST API played by <see cref="FakeTwilio"/>.
/// </summary>
public sealed class RunningSystem : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "browser-test-auth-token";

    private readonly RunScript _script;

    private RunningSystem(RunScript script, FakeTwilio twilio, string adminUser, string adminPassword)
    {
        _script = script;
        Twilio = twilio;
        AdminUsername = adminUser;
        AdminPassword = adminPassword;
    }

    public Uri Url => _script.Url;
    public string DataDirectory => _script.DataDirectory;
    public FakeTwilio Twilio { get; }
    public string AdminUsername { get; }
    public string AdminPassword { get; }
    public string Output => _script.Process.Output;
    public int AuthPort => _script.AuthPort;
    public int RecordingsPort => _script.RecordingsPort;

    /// <param name="environment">Added to run.sh's environment (e.g. INTERNAL_TLS=1).</param>
    public static async Task<RunningSystem> StartAsync(IDictionary<string, string?>? environment = null)
    {
        var twilio = FakeTwilio.Start();
        var all = new Dictionary<string, string?>
        {
            ["TWILIO_ACCOUNT_SID"] = AccountSid,
            ["TWILIO_AUTH_TOKEN"] = AuthToken,
            ["TWILIO_API_BASE_URL"] = twilio.Url,
            // Browser tests sign in many times from one address: keep the limits, far out of reach.
            ["LOGIN_RATE_LIMIT_MAX"] = "1000",
            ["RATE_LIMIT_MAX"] = "100000",
            ["WEBHOOK_RATE_LIMIT_MAX"] = "1000000", // the callback fuzzer sends 10,000
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var script = RunScript.Start(all);
        try
        {
            var (username, password) = await script.WaitUntilReadyAsync();
            return new RunningSystem(script, twilio, username, password);
        }
        catch
        {
            await script.DisposeAsync();
            twilio.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A client trusting the development CA that run.sh created, keeping no cookies, whose every exchange with the API
    /// must fit the gateway's published API document (<see cref="ApiDocs.ApiContract"/>).
    /// </summary>
    public HttpClient Client() =>
        new(new ApiDocs.ContractCheckingHandler(ContractAsync, RunScript.Handler())) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };

    private Task<ApiDocs.ApiContract>? _contract;

    // The document as the gateway publishes it (to signed-in users), read once.
    private Task<ApiDocs.ApiContract> ContractAsync() => _contract ??= LoadContractAsync();

    private async Task<ApiDocs.ApiContract> LoadContractAsync()
    {
        using var client = _script.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Authorization = new("Bearer", await SignInAsync());
        using var document = await client.SendAsync(request);
        document.EnsureSuccessStatusCode();
        return ApiDocs.ApiContract.Parse(await document.Content.ReadAsStringAsync());
    }

    /// <summary>Signs in as the administrator run.sh created; returns the access token.</summary>
    public async Task<string> SignInAsync()
    {
        using var client = _script.Client();
        using var signIn = await client.PostAsJsonAsync("/api/auth/login", new { username = AdminUsername, password = AdminPassword });
        signIn.EnsureSuccessStatusCode();
        return (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>Every recording the API lists, page by page.</summary>
    public async Task<HashSet<string>> ListedSidsAsync()
    {
        using var client = Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await SignInAsync());
        var sids = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var query = cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor);
            var page = await client.GetFromJsonAsync<JsonElement>("/api/recordings?limit=100" + query);
            sids.UnionWith(page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("sid").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        } while (cursor is not null);

        return sids;
    }

    /// <summary>Posts a recording status callback through the gateway, signed as Twilio signs it.</summary>
    public async Task<HttpResponseMessage> PostCallbackAsync(
        string recordingSid,
        string status = "completed",
        string duration = "26",
        string? startTime = null,
        string? signedFor = null
    )
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = AccountSid,
            ["CallSid"] = "CA" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["RecordingSid"] = recordingSid,
            ["RecordingStatus"] = status,
            ["RecordingDuration"] = duration,
            ["RecordingChannels"] = "1",
            ["RecordingSource"] = "RecordVerb",
            ["RecordingStartTime"] = startTime ?? DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture),
        };
        using var client = Client();
        using var request = TwilioSigner.Callback(fields, AuthToken, signedFor ?? CallbackUrl);
        return await client.SendAsync(request);
    }

    /// <summary>PUBLIC_BASE_URL's callback address: what Twilio signs.</summary>
    public string CallbackUrl => Url.GetLeftPart(UriPartial.Authority) + "/webhooks/recording";

    public static string NewRecordingSid() => "RE" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async ValueTask DisposeAsync()
    {
        await _script.DisposeAsync();
        Twilio.Dispose();
    }
}
