using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Platform.Security.Tokens;
using RecordingsService.Configuration;
using RecordingsService.LiveEvents;
using RecordingsService.Webhooks;
using Services.Tests.Infrastructure;

namespace Services.Tests.Recordings;

public sealed class WebhookTests : IAsyncLifetime
{
    private readonly RecordingsHost _host = new();
    private string _admin = null!;

    public async Task InitializeAsync()
    {
        await _host.StartAsync();
        _admin = await _host.AdminTokenAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")]
    [InlineData("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
    public void KnownAnswers_TwiliosVectors_ValidateOverTheReconstructedUrl(string caller, string signature)
    {
        var settings = new TwilioSettings
        {
            AccountSid = TwilioSettings.DevelopmentAccountSid,
            AuthToken = "12345",
            AuthTokenSecondary = null,
            PublicBaseUrl = new Uri("https://mycompany.com"),
            ApiBaseUrl = new Uri("https://api.twilio.com"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        var signatures = new TwilioSignature(settings);
        var context = new DefaultHttpContext();
        context.Request.Host = new HostString("internal-host:5002"); // what the request says is never used
        context.Request.Path = "/myapp.php";
        context.Request.QueryString = new QueryString("?foo=1&bar=2");
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/myapp.php?foo=1&bar=2";
        var form = new List<KeyValuePair<string, string>>
        {
            new("CallSid", "CA1234567890ABCDE"),
            new("Caller", caller),
            new("Digits", "1234"),
            new("From", caller),
            new("To", "+18005551212"),
        };

        var url = signatures.UrlFor(context);

        Assert.Equal("https://mycompany.com/myapp.php?foo=1&bar=2", url);
        Assert.Equal(SigningToken.Primary, signatures.FormSignedBy(url, form, signature));
        Assert.Null(
            signatures.FormSignedBy(
                url,
                form,
                signature == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" ? "RSOYDt4T1cUTdK1PDd93/VVr8B8=" : "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
            )
        );
        Assert.Equal(signature, RecordingsHost.Sign(url, form, "12345"));
    }

    [Fact]
    public async Task SignedCallback_IsStored_AndBroadcastToWebSocketClients()
    {
        var sid = RecordingsHost.NewRecordingSid();
        using var socket = await ConnectAsync(_admin);

        using var client = _host.Client();
        using var response = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid)));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var stored = await GetAsync(sid);
        Assert.Equal("completed", stored.GetProperty("status").GetString());
        Assert.Equal(42, stored.GetProperty("durationSeconds").GetInt32());
        Assert.Equal(1, stored.GetProperty("channels").GetInt32());
        Assert.Equal("RecordVerb", stored.GetProperty("source").GetString());
        Assert.Equal("2026-11-28T09:30:00.000Z", stored.GetProperty("startTime").GetString());
        Assert.Equal(RecordingsHost.AccountSid, stored.GetProperty("accountSid").GetString());

        var message = await ReceiveAsync(socket);
        Assert.Equal("recording.updated", message.GetProperty("type").GetString());
        Assert.Equal(sid, message.GetProperty("recording").GetProperty("sid").GetString());
    }

    [Fact]
    public async Task LiveEventsRecording_IsExactlyTheApisRecording()
    {
        var sid = RecordingsHost.NewRecordingSid();
        using var socket = await ConnectAsync(_admin);
        using var client = _host.Client();
        using (var response = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid))))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var pushed = (await ReceiveAsync(socket)).GetProperty("recording");
        var served = await GetAsync(sid);

        // One contract for both: the same members, and times written the same way (…Z, not +00:00).
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(served.GetRawText()), JsonNode.Parse(pushed.GetRawText())),
            $"API: {served.GetRawText()}{Environment.NewLine}event: {pushed.GetRawText()}"
        );
        Assert.EndsWith("Z", pushed.GetProperty("updatedAt").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonBodyVariant_WithBodySha256_IsAccepted()
    {
        var sid = RecordingsHost.NewRecordingSid();
        var body = JsonSerializer.Serialize(RecordingsHost.Fields(sid).ToDictionary(f => f.Key, f => f.Value));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var path = $"/webhooks/recording?bodySHA256={hash}";
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Twilio-Signature", RecordingsHost.Sign(RecordingsHost.PublicBaseUrl + path, []));

        using var client = _host.Client();
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("completed", (await GetAsync(sid)).GetProperty("status").GetString());
    }

    public static TheoryData<string> UnauthenticCallbacks() =>
        [
            "no-signature",
            "wrong-signature",
            "signed-for-host-header",
            "signed-for-forwarded-host",
            "signed-without-query",
            "tampered-field",
            "other-account",
            "json-body-hash-mismatch",
        ];

    [Theory]
    [MemberData(nameof(UnauthenticCallbacks))]
    public async Task UnauthenticCallback_Is403_NothingStored_AuditedAndCounted(string kind)
    {
        var sid = RecordingsHost.NewRecordingSid();
        var fields = RecordingsHost.Fields(sid);
        using var request = kind switch
        {
            "no-signature" => Without(RecordingsHost.Callback(fields)),
            "wrong-signature" => RecordingsHost.Callback(fields, signature: "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
            "signed-for-host-header" => RecordingsHost.Callback(fields, signedUrl: "http://localhost/webhooks/recording"),
            "signed-for-forwarded-host" => WithHeader(
                RecordingsHost.Callback(fields, signedUrl: "https://evil.example/webhooks/recording"),
                "X-Forwarded-Host",
                "evil.example"
            ),
            "signed-without-query" => RecordingsHost.Callback(
                fields,
                signedUrl: RecordingsHost.PublicBaseUrl + "/webhooks/recording",
                pathAndQuery: "/webhooks/recording?extra=1"
            ),
            "tampered-field" => Tampered(fields),
            "other-account" => RecordingsHost.Callback(RecordingsHost.Fields(sid, accountSid: "AC" + new string('f', 32))),
            _ => JsonWithWrongHash(sid),
        };

        using var client = _host.Client();
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNotStoredAsync(sid);
        await _host.Services.GetRequiredService<RefusedCallbacks>().FlushAsync(CancellationToken.None);
        var audit = await AuditAsync();
        Assert.Contains(audit, e =>
            e.GetProperty("action").GetString() == "webhook-refused"
            && e.GetProperty("outcome").GetString() == "refused"
            && e.GetProperty("detail").GetString()!.StartsWith("1 refused: ", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task AFloodOfUnsignedCallbacks_IsOneAuditEntryPerSourceAndMinute_NotADurableWriteEach()
    {
        var refusals = _host.Services.GetRequiredService<RefusedCallbacks>();
        await refusals.FlushAsync(CancellationToken.None);
        var before = (await AuditAsync()).Count;
        using var client = _host.Client();
        for (var i = 0; i < 300; i++)
        {
            using var request = RecordingsHost.Callback(
                RecordingsHost.Fields(RecordingsHost.NewRecordingSid()),
                signature: "AAAAAAAAAAAAAAAAAAAAAAAAAAA="
            );
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // Nothing was written while they arrived: refusals are counted, and audited once a minute.
        Assert.Equal(before, (await AuditAsync()).Count);

        await refusals.FlushAsync(CancellationToken.None);
        var audit = await AuditAsync();
        // One entry for the source, and one alert for the burst.
        Assert.Equal(before + 2, audit.Count);
        Assert.Contains(audit, e => e.GetProperty("detail").GetString() == "300 refused: wrong-signature");
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "callback-alert");
    }

    [Fact]
    public async Task SignedBodyLabelledAsMultipart_IsRefused_NotParsedAsAForm()
    {
        // Found by the webhook fuzzer: it was stored (204).
        var sid = RecordingsHost.NewRecordingSid();
        using var request = RecordingsHost.Callback(RecordingsHost.Fields(sid));
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
        using var client = _host.Client();

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertNotStoredAsync(sid);
    }

    [Fact]
    public async Task FormBodyBeyondTheFormReadersLimits_Is403_Not500()
    {
        // Found by the webhook fuzzer: a key of 2,048+ characters made the form reader throw (500).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/recording")
        {
            Content = new StringContent(new string('k', 3000) + "=1", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Twilio-Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        using var client = _host.Client();

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string, string> InvalidFields() =>
        new()
        {
            { "RecordingSid", "RE123", "RecordingSid" },
            { "RecordingSid", "XX0123456789abcdef0123456789abcdef", "RecordingSid" },
            { "CallSid", "CA0123456789abcdef0123456789abcdeg", "CallSid" },
            { "RecordingStatus", "paused", "RecordingStatus" },
            { "RecordingStatus", "<img src=x onerror=alert(1)>", "RecordingStatus" },
            { "RecordingDuration", "forty-two", "RecordingDuration" },
            { "RecordingDuration", "-1", "RecordingDuration" },
            { "RecordingDuration", "99999999999", "RecordingDuration" },
            { "RecordingChannels", "3", "RecordingChannels" },
            { "ErrorCode", "1e3", "ErrorCode" },
            { "RecordingStartTime", "2026-11-28T09:30:00Z", "RecordingStartTime" },
            { "RecordingSource", "<script>", "RecordingSource" },
            // "$" matched before a trailing newline: these were stored.
            { "RecordingSid", "RE0123456789abcdef0123456789abcdef\n", "RecordingSid" },
            { "CallSid", "CA0123456789abcdef0123456789abcdef\n", "CallSid" },
            { "RecordingSource", "RecordVerb\n", "RecordingSource" },
        };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task SignedButInvalidField_Is400NamingTheField_AndNothingIsStored(string field, string value, string reported)
    {
        var sid = RecordingsHost.NewRecordingSid();
        var fields = RecordingsHost.Fields(sid).Where(f => f.Key != field).Append(new(field, value)).ToList();

        using var client = _host.Client();
        using var response = await client.SendAsync(RecordingsHost.Callback(fields));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(reported, out _), await response.Content.ReadAsStringAsync());
        await AssertNotStoredAsync(sid);
    }

    [Fact]
    public async Task OversizedBody_Is413_AndNothingIsStored()
    {
        var sid = RecordingsHost.NewRecordingSid();
        var fields = RecordingsHost.Fields(sid);
        fields.Add(new("Padding", new string('x', 70 * 1024)));

        using var client = _host.Client();
        using var response = await client.SendAsync(RecordingsHost.Callback(fields));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNotStoredAsync(sid);
    }

    [Fact]
    public async Task DuplicateCallback_ChangesNothing_AndIsNotBroadcastTwice()
    {
        var sid = RecordingsHost.NewRecordingSid();
        using var client = _host.Client();
        using (var first = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid))))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        var before = await GetAsync(sid);
        using var socket = await ConnectAsync(_admin);
        using var replay = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid, duration: "99")));

        Assert.Equal(HttpStatusCode.NoContent, replay.StatusCode);
        var after = await GetAsync(sid);
        Assert.Equal(before.GetRawText(), after.GetRawText());
        using var reader = _host.Client(_admin);
        var list = await reader.GetFromJsonAsync<JsonElement>("/api/recordings?callSid=CA0123456789abcdef0123456789abcdef");
        Assert.Single(list.GetProperty("items").EnumerateArray(), r => r.GetProperty("sid").GetString() == sid);
        Assert.Null(await TryReceiveAsync(socket, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task LaterStatus_UpdatesTheRow_ButAnOlderOneNeverOverwritesIt()
    {
        var sid = RecordingsHost.NewRecordingSid();
        using var client = _host.Client();
        using (await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid, status: "in-progress", duration: null)))) { }

        Assert.Equal("in-progress", (await GetAsync(sid)).GetProperty("status").GetString());

        using (await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid, status: "completed", duration: "61", startTime: null)))) { }

        var completed = await GetAsync(sid);
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(61, completed.GetProperty("durationSeconds").GetInt32());
        Assert.Equal("2026-11-28T09:30:00.000Z", completed.GetProperty("startTime").GetString()); // kept from the first callback

        using var late = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid, status: "in-progress", duration: null)));
        Assert.Equal(HttpStatusCode.NoContent, late.StatusCode);
        Assert.Equal("completed", (await GetAsync(sid)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Rfc2822Dates_AsTwilioWritesThem_AreUnderstood()
    {
        Assert.Equal(new DateTimeOffset(2010, 8, 16, 3, 45, 1, TimeSpan.Zero), RecordingCallback.ParseRfc2822("Mon, 16 Aug 2010 03:45:01 +0000"));
        Assert.Equal(new DateTimeOffset(2010, 8, 16, 1, 45, 1, TimeSpan.Zero), RecordingCallback.ParseRfc2822("16 Aug 2010 03:45:01 +0200"));
        Assert.Null(RecordingCallback.ParseRfc2822("2010-08-16T03:45:01Z"));
        Assert.Null(RecordingCallback.ParseRfc2822("Mon, 32 Aug 2010 03:45:01 +0000"));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("1999-12-31T00:00:00Z")]
    [InlineData("")]
    public async Task LiveEvents_WithASinceThatIsNotATime_Are400BeforeTheUpgrade(string since)
    {
        var client = _host.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = "Bearer " + _admin;

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            client.ConnectAsync(new Uri(_host.Server.BaseAddress, "ws?since=" + Uri.EscapeDataString(since)), CancellationToken.None)
        );
        Assert.Contains("400", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LiveEvents_WithSince_ReplayWhatChangedAfterIt()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var missed = RecordingsHost.NewRecordingSid();
        using (var client = _host.Client())
        using (var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(missed))))
        {
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        }

        Assert.Contains(missed, await ReplayedAsync(before));
    }

    [Fact]
    public async Task LiveEvents_WithSince_ReplayAlsoWhatWasStampedJustBeforeIt_ButNotLongBefore()
    {
        // With several writers a change stamped before a dashboard's cursor can reach it after one stamped later; if its
        // socket closed in between, only the replay can still tell it.
        var sid = RecordingsHost.NewRecordingSid();
        using (var client = _host.Client())
        using (var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid))))
        {
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        }

        var updatedAt = (await GetAsync(sid)).GetProperty("updatedAt").GetDateTimeOffset();
        Assert.Contains(sid, await ReplayedAsync(updatedAt + LiveEventHub.ReplayMargin / 2));
        Assert.DoesNotContain(sid, await ReplayedAsync(updatedAt + LiveEventHub.ReplayMargin + TimeSpan.FromSeconds(1)));
    }

    // The SIDs a connection with ?since= is sent before it falls quiet for a second.
    private async Task<List<string?>> ReplayedAsync(DateTimeOffset since)
    {
        var ws = _host.Server.CreateWebSocketClient();
        ws.ConfigureRequest = request => request.Headers.Authorization = "Bearer " + _admin;
        using var socket = await ws.ConnectAsync(
            new Uri(_host.Server.BaseAddress, "ws?since=" + Uri.EscapeDataString(since.ToString("O"))),
            CancellationToken.None
        );
        Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        var replayed = new List<string?>();
        while (await TryReceiveAsync(socket, TimeSpan.FromSeconds(1)) is { } message)
        {
            replayed.Add(message.GetProperty("recording").GetProperty("sid").GetString());
        }

        return replayed;
    }

    private async Task<WebSocket> ConnectAsync(string token)
    {
        var client = _host.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Authorization = "Bearer " + token;
        var socket = await client.ConnectAsync(new Uri(_host.Server.BaseAddress, "ws"), CancellationToken.None);
        // Every connection starts with the server's time, the dashboard's cursor for a later ?since=.
        Assert.Equal("connected", (await ReceiveAsync(socket)).GetProperty("type").GetString());
        return socket;
    }

    private static async Task<JsonElement> ReceiveAsync(WebSocket socket) =>
        await TryReceiveAsync(socket, TimeSpan.FromSeconds(5)) ?? throw new TimeoutException("No event within 5 s.");

    private static async Task<JsonElement?> TryReceiveAsync(WebSocket socket, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[16 * 1024];
        try
        {
            var result = await socket.ReceiveAsync(buffer, cancel.Token);
            return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<JsonElement> GetAsync(string sid)
    {
        using var client = _host.Client(_admin);
        return await client.GetFromJsonAsync<JsonElement>($"/api/recordings/{sid}");
    }

    private async Task AssertNotStoredAsync(string sid)
    {
        using var client = _host.Client(_admin);
        using var response = await client.GetAsync($"/api/recordings/{sid}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DuringATokenChange_CallbacksSignedWithEitherToken_AreStored_AndTheSecondarysAreAudited()
    {
        const string next = "the-next-auth-token-0123";
        await using var host = new RecordingsHost(new Dictionary<string, string> { ["TWILIO_AUTH_TOKEN_SECONDARY"] = next });
        await host.StartAsync();
        using var client = host.Client();
        var url = RecordingsHost.PublicBaseUrl + "/webhooks/recording";
        var (byPrimary, bySecondary, byNeither) = (
            RecordingsHost.NewRecordingSid(),
            RecordingsHost.NewRecordingSid(),
            RecordingsHost.NewRecordingSid()
        );

        using var primary = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(byPrimary)));
        var secondaryFields = RecordingsHost.Fields(bySecondary);
        using var secondary = await client.SendAsync(
            RecordingsHost.Callback(secondaryFields, signature: RecordingsHost.Sign(url, secondaryFields, next))
        );
        var otherFields = RecordingsHost.Fields(byNeither);
        using var other = await client.SendAsync(
            RecordingsHost.Callback(otherFields, signature: RecordingsHost.Sign(url, otherFields, "some-other-token"))
        );

        Assert.Equal(
            (HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.Forbidden),
            (primary.StatusCode, secondary.StatusCode, other.StatusCode)
        );
        await host.Services.GetRequiredService<SecondaryTokenCallbacks>().FlushAsync(CancellationToken.None);
        using var admin = host.Client(await host.AdminTokenAsync());
        var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/audit/recordings?limit=200")).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(audit, e =>
            e.GetProperty("action").GetString() == "webhook-secondary-token"
            && e.GetProperty("detail").GetString() == "1 callback(s) signed with TWILIO_AUTH_TOKEN_SECONDARY"
        );

        // Without the setting, the next token's signature is just a wrong one.
        var laterFields = RecordingsHost.Fields(RecordingsHost.NewRecordingSid());
        using var unconfigured = await _host
            .Client()
            .SendAsync(RecordingsHost.Callback(laterFields, signature: RecordingsHost.Sign(url, laterFields, next)));
        Assert.Equal(HttpStatusCode.Forbidden, unconfigured.StatusCode);
    }

    private async Task<List<JsonElement>> AuditAsync()
    {
        using var client = _host.Client(_admin);
        var page = await client.GetFromJsonAsync<JsonElement>("/api/audit/recordings?limit=200");
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    private static HttpRequestMessage Without(HttpRequestMessage request)
    {
        request.Headers.Remove("X-Twilio-Signature");
        return request;
    }

    private static HttpRequestMessage WithHeader(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Add(name, value);
        return request;
    }

    private static HttpRequestMessage Tampered(List<KeyValuePair<string, string>> fields)
    {
        var signature = RecordingsHost.Sign(RecordingsHost.PublicBaseUrl + "/webhooks/recording", fields);
        var changed = fields.Select(f => f.Key == "RecordingDuration" ? new KeyValuePair<string, string>(f.Key, "1") : f).ToList();
        return RecordingsHost.Callback(changed, signature: signature);
    }

    private static HttpRequestMessage JsonWithWrongHash(string sid)
    {
        var body = JsonSerializer.Serialize(RecordingsHost.Fields(sid).ToDictionary(f => f.Key, f => f.Value));
        var path = $"/webhooks/recording?bodySHA256={new string('0', 64)}";
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Twilio-Signature", RecordingsHost.Sign(RecordingsHost.PublicBaseUrl + path, []));
        return request;
    }
}
