using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RecordingsService.Recordings;
using RecordingsService.Retention;
using Services.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Services.Tests.Recordings;

/// <summary>Audio, delete, sync and retention against a WireMock.Net stand-in for Twilio's REST API.</summary>
public sealed class TwilioApiTests : IAsyncLifetime
{
    private static readonly byte[] Audio = [.. Enumerable.Range(0, 1000).Select(i => (byte)(i % 251))];
    private readonly RecordingsHost _host = new(
        new Dictionary<string, string> { ["TWILIO_TIMEOUT_SECONDS"] = "5", ["TWILIO_AUTH_TOKEN_SECONDARY"] = "the-next-auth-token" }
    )
    {
        Time = new FakeTimeProvider(DateTimeOffset.UtcNow),
    };
    private string _admin = null!;
    private string _viewer = null!;
    private string _sid = null!;

    private string MediaPath(string format = "mp3") => $"/2010-04-01/Accounts/{RecordingsHost.AccountSid}/Recordings/{_sid}.{format}";

    private string ResourcePath => $"/2010-04-01/Accounts/{RecordingsHost.AccountSid}/Recordings/{_sid}.json";

    public async Task InitializeAsync()
    {
        await _host.StartAsync();
        _host.Auth.Time.SetUtcNow(_host.Time!.GetUtcNow());
        _admin = await _host.AdminTokenAsync();
        _viewer = await _host.ViewerTokenAsync();
        _sid = RecordingsHost.NewRecordingSid();
        using var client = _host.Client();
        using var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(_sid)));
        Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);

        _host
            .Twilio.Given(Request.Create().WithPath(MediaPath()).UsingGet().WithHeader("Range", "bytes=100-199"))
            .AtPriority(1)
            .RespondWith(
                Response
                    .Create()
                    .WithStatusCode(206)
                    .WithHeader("Content-Type", "audio/mpeg")
                    .WithHeader("Content-Range", "bytes 100-199/1000")
                    .WithBody(Audio[100..200])
            );
        _host
            .Twilio.Given(Request.Create().WithPath(MediaPath()).UsingGet())
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "audio/mpeg").WithBody(Audio));
        _host
            .Twilio.Given(Request.Create().WithPath(MediaPath("wav")).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "audio/x-wav").WithBody(Audio[..10]));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Audio_WithoutRange_StreamsTheWholeFileFromTwilio_WithTheAccountsCredentialsKeptServerSide()
    {
        using var client = _host.Client(_viewer);
        using var response = await client.GetAsync($"/api/recordings/{_sid}/audio");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1000, response.Content.Headers.ContentLength);
        Assert.Equal("bytes", Assert.Single(response.Headers.AcceptRanges));
        Assert.Equal(Audio, await response.Content.ReadAsByteArrayAsync());
        Assert.Null(response.Content.Headers.ContentDisposition);

        var sent = Assert.Single(_host.Twilio.LogEntries, e => e.RequestMessage.Path == MediaPath());
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RecordingsHost.AccountSid}:{RecordingsHost.AuthToken}"));
        Assert.Equal(expected, sent.RequestMessage.Headers!["Authorization"].Single());
        Assert.DoesNotContain(response.Headers, h => h.Value.Any(v => v.Contains(RecordingsHost.AuthToken, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Audio_WithRange_PassesItThrough_And206ComesBackWithContentRange()
    {
        using var client = _host.Client(_viewer);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/recordings/{_sid}/audio");
        request.Headers.Range = new RangeHeaderValue(100, 199);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/1000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(Audio[100..200], await response.Content.ReadAsByteArrayAsync());
        Assert.Contains(_host.Twilio.LogEntries, e =>
            e.RequestMessage.Headers!.TryGetValue("Range", out var range) && range.Single() == "bytes=100-199"
        );
    }

    [Fact]
    public async Task Audio_AsDownloadInWav_HasAttachmentAndWavType()
    {
        using var client = _host.Client(_viewer);
        using var response = await client.GetAsync($"/api/recordings/{_sid}/audio?format=wav&download=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"{_sid}.wav", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    [Theory]
    [InlineData("?format=ogg", HttpStatusCode.BadRequest)]
    [InlineData("?download=yes", HttpStatusCode.BadRequest)]
    public async Task Audio_BadParameters_Are400(string query, HttpStatusCode status)
    {
        using var client = _host.Client(_viewer);
        using var response = await client.GetAsync($"/api/recordings/{_sid}/audio{query}");

        Assert.Equal(status, response.StatusCode);
        Assert.DoesNotContain(_host.Twilio.LogEntries, e => e.RequestMessage.Path.Contains("Recordings/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audio_TwilioHasNoMedia_Is404()
    {
        _host
            .Twilio.Given(Request.Create().WithPath(MediaPath()).UsingGet())
            .AtPriority(0)
            .RespondWith(Response.Create().WithStatusCode(404).WithBody("{\"message\":\"not found\"}"));
        using var client = _host.Client(_viewer);
        using var response = await client.GetAsync($"/api/recordings/{_sid}/audio");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(401)]
    public async Task Audio_TwilioFailing_Is502WithoutTwiliosAnswer(int twilioStatus)
    {
        _host
            .Twilio.Given(Request.Create().WithPath(MediaPath()).UsingGet())
            .AtPriority(0)
            .RespondWith(Response.Create().WithStatusCode(twilioStatus).WithBody("internal secret detail"));
        using var client = _host.Client(_viewer);
        using var response = await client.GetAsync($"/api/recordings/{_sid}/audio");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain("secret", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audio_TwilioUnreachable_Is502()
    {
        await using var host = new RecordingsHost(new Dictionary<string, string> { ["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9" });
        await host.StartAsync();
        var sid = RecordingsHost.NewRecordingSid();
        using (await host.Client().SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid)))) { }

        using var client = host.Client(await host.AdminTokenAsync());
        using var response = await client.GetAsync($"/api/recordings/{sid}/audio");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain("127.0.0.1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audio_TwilioTooSlow_Is504AfterTheTimeout_WhileOtherRequestsAreAnswered()
    {
        _host
            .Twilio.Given(Request.Create().WithPath(MediaPath()).UsingGet())
            .AtPriority(0)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(Audio).WithDelay(TimeSpan.FromSeconds(20)));
        using var client = _host.Client(_viewer);

        var clock = Stopwatch.StartNew();
        var audio = client.GetAsync($"/api/recordings/{_sid}/audio");
        using (var detail = await client.GetAsync($"/api/recordings/{_sid}"))
        {
            Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
            Assert.False(audio.IsCompleted, "the audio request is still waiting for Twilio");
        }

        using var response = await audio;
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Audio_ForAnUnknownRecording_Is404WithoutAskingTwilio()
    {
        using var client = _host.Client(_viewer);
        using var response = await client.GetAsync($"/api/recordings/{RecordingsHost.NewRecordingSid()}/audio");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_host.Twilio.LogEntries);
    }

    [Fact]
    public async Task PlayAndDownload_AreAudited_OncePerPlayNotPerSeek()
    {
        using var client = _host.Client(_viewer);
        using (await client.GetAsync($"/api/recordings/{_sid}/audio")) { }

        using (var seek = new HttpRequestMessage(HttpMethod.Get, $"/api/recordings/{_sid}/audio"))
        {
            seek.Headers.Range = new RangeHeaderValue(100, 199);
            using (await client.SendAsync(seek)) { }
        }

        using (await client.GetAsync($"/api/recordings/{_sid}/audio?download=1")) { }

        var audit = await AuditAsync();
        Assert.Single(audit, e => e.GetProperty("action").GetString() == "play" && e.GetProperty("actor").GetString() == "vera");
        Assert.Single(audit, e => e.GetProperty("action").GetString() == "download" && e.GetProperty("target").GetString() == _sid);
    }

    [Fact]
    public async Task Delete_ByAdmin_DeletesAtTwilio_MarksDeleted_AndAudits()
    {
        _host.Twilio.Given(Request.Create().WithPath(ResourcePath).UsingDelete()).RespondWith(Response.Create().WithStatusCode(204));
        using var client = _host.Client(_admin);

        using var response = await client.DeleteAsync($"/api/recordings/{_sid}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Single(_host.Twilio.LogEntries, e => e.RequestMessage.Method == "DELETE" && e.RequestMessage.Path == ResourcePath);
        var recording = await client.GetFromJsonAsync<JsonElement>($"/api/recordings/{_sid}");
        Assert.Equal("deleted", recording.GetProperty("status").GetString());
        using var audio = await client.GetAsync($"/api/recordings/{_sid}/audio");
        Assert.Equal(HttpStatusCode.NotFound, audio.StatusCode);
        Assert.Contains(await AuditAsync(), e =>
            e.GetProperty("action").GetString() == "delete"
            && e.GetProperty("outcome").GetString() == "success"
            && e.GetProperty("actor").GetString() == "admin"
        );
    }

    [Fact]
    public async Task Delete_WhenTwilioFails_Is502_AndNothingChanges()
    {
        _host
            .Twilio.Given(Request.Create().WithPath(ResourcePath).UsingDelete())
            .RespondWith(Response.Create().WithStatusCode(500).WithBody("{\"code\":20500,\"message\":\"oops\",\"status\":500}"));
        using var client = _host.Client(_admin);

        using var response = await client.DeleteAsync($"/api/recordings/{_sid}");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("completed", (await client.GetFromJsonAsync<JsonElement>($"/api/recordings/{_sid}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Delete_ByViewer_Is403_AndTwilioIsNotAsked()
    {
        using var client = _host.Client(_viewer);
        using var response = await client.DeleteAsync($"/api/recordings/{_sid}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(_host.Twilio.LogEntries, e => e.RequestMessage.Method == "DELETE");
    }

    [Fact]
    public async Task Sync_FillsInWhatCallbacksMissed_WithoutOverwritingNewerState()
    {
        var missed = RecordingsHost.NewRecordingSid();
        var page = new
        {
            recordings = new object[]
            {
                TwilioRecording(missed, "completed", "15"),
                TwilioRecording(_sid, "processing", "0"), // we already know it as completed
            },
            first_page_uri = "/x",
            next_page_uri = (string?)null,
            previous_page_uri = (string?)null,
            uri = "/x",
            page = 0,
            page_size = 1000,
            start = 0,
            end = 1,
        };
        _host
            .Twilio.Given(Request.Create().WithPath($"/2010-04-01/Accounts/{RecordingsHost.AccountSid}/Recordings.json").UsingGet())
            .RespondWith(
                Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(JsonSerializer.Serialize(page))
            );
        using var client = _host.Client(_admin);

        using var response = await client.PostAsync("/api/recordings/sync", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"seen\":2,\"changed\":1}", await response.Content.ReadAsStringAsync());
        var filled = await client.GetFromJsonAsync<JsonElement>($"/api/recordings/{missed}");
        Assert.Equal(15, filled.GetProperty("durationSeconds").GetInt32());
        Assert.Equal("2026-11-20T08:00:00.000Z", filled.GetProperty("startTime").GetString());
        Assert.Equal("completed", (await client.GetFromJsonAsync<JsonElement>($"/api/recordings/{_sid}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Retention_DeletesOnlyOlderRecordings_AtTwilioAndHere_AuditingEach()
    {
        await using var host = new RecordingsHost(new Dictionary<string, string> { ["RECORDING_RETENTION_DAYS"] = "30" })
        {
            Time = new FakeTimeProvider(DateTimeOffset.UtcNow),
        };
        await host.StartAsync();
        var now = host.Time!.GetUtcNow();
        var old = new Recording(
            RecordingsHost.NewRecordingSid(),
            RecordingsHost.AccountSid,
            "CA0123456789abcdef0123456789abcdef",
            "completed",
            5,
            1,
            null,
            now.AddDays(-31),
            now,
            now,
            null
        );
        var recent = old with { Sid = RecordingsHost.NewRecordingSid(), StartTime = now.AddDays(-20) };
        await host.Services.GetRequiredService<IRecordingStore>().UpsertAsync([old, recent]);
        host.Twilio.Given(Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/2010-04-01/Accounts/*/Recordings/*.json")).UsingDelete())
            .RespondWith(Response.Create().WithStatusCode(204));

        var store = host.Services.GetRequiredService<IRecordingStore>();

        // The hourly run is due each time the (fake) clock moves an hour.
        await AdvanceUntilAsync(
            host.Time,
            RetentionJob.Interval,
            async () => (await store.FindAsync(old.Sid))!.Status == "deleted",
            "the old recording is deleted"
        );
        Assert.Equal("completed", (await store.FindAsync(recent.Sid))!.Status);
        Assert.Single(host.Twilio.LogEntries, e =>
            e.RequestMessage.Method == "DELETE" && e.RequestMessage.Path.Contains(old.Sid, StringComparison.Ordinal)
        );

        await AdvanceUntilAsync(
            host.Time,
            TimeSpan.FromDays(1),
            async () => (await store.FindAsync(recent.Sid))!.Status == "deleted",
            "the second recording is deleted once it is old enough"
        );
        // Counted from the start: the hourly steps before the first deletion moved the clock too (more than a day
        // when the job's timer was set late).
        var movedBy = host.Time.GetUtcNow() - now;
        Assert.True(movedBy >= TimeSpan.FromDays(10), $"deleted after only {movedBy.TotalDays:0.0} days");

        host.Auth.Time.SetUtcNow(host.Time.GetUtcNow()); // tokens are judged on the service's (moved) clock
        using var admin = host.Client(await host.AdminTokenAsync());
        var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/audit/recordings")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(
            2,
            audit.Count(e => e.GetProperty("action").GetString() == "retention-delete" && e.GetProperty("outcome").GetString() == "success")
        );
    }

    private static object TwilioRecording(string sid, string status, string duration) =>
        new
        {
            sid,
            account_sid = RecordingsHost.AccountSid,
            call_sid = "CA0123456789abcdef0123456789abcdef",
            status,
            duration,
            channels = 1,
            source = "RecordVerb",
            start_time = "Fri, 20 Nov 2026 08:00:00 +0000",
            date_created = "Fri, 20 Nov 2026 08:00:00 +0000",
            date_updated = "Fri, 20 Nov 2026 08:00:15 +0000",
            error_code = (int?)null,
            uri = $"/2010-04-01/Accounts/{RecordingsHost.AccountSid}/Recordings/{sid}.json",
        };

    /// <summary>Moves the clock a step at a time (the job's timer may not be set yet) until the condition holds.</summary>
    private static Task AdvanceUntilAsync(FakeTimeProvider time, TimeSpan step, Func<Task<bool>> condition, string what) =>
        Wait.UntilAsync(
            async () =>
            {
                if (await condition())
                {
                    return true;
                }

                time.Advance(step);
                return false;
            },
            // Real time for the job to run between steps, on a machine shared with the browser and replica tests.
            TimeSpan.FromSeconds(60),
            what
        );

    private async Task<List<JsonElement>> AuditAsync()
    {
        using var client = _host.Client(_admin);
        return [.. (await client.GetFromJsonAsync<JsonElement>("/api/audit/recordings?limit=200")).GetProperty("items").EnumerateArray()];
    }
}
