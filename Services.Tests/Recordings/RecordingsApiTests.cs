using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecordingsService.Audit;
using RecordingsService.Recordings;
using Services.Tests.Infrastructure;

namespace Services.Tests.Recordings;

/// <summary>A class fixture: the RecordingsService with 120 stored recordings that the tests only read.</summary>
public sealed class StoredRecordings : IAsyncLifetime
{
    public const string CallA = "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public const string CallB = "CAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public RecordingsHost Host { get; } = new();
    public string Viewer { get; private set; } = null!;
    public List<Recording> Stored { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Host.StartAsync();
        Viewer = await Host.ViewerTokenAsync();
        // 120 recordings an hour apart: even ones on call A, odd ones on call B; every fifth failed.
        Stored =
        [
            .. Enumerable
                .Range(0, 120)
                .Select(i => new Recording(
                    $"RE{i:x32}",
                    RecordingsHost.AccountSid,
                    i % 2 == 0 ? CallA : CallB,
                    i % 5 == 0 ? "failed" : "completed",
                    i,
                    1,
                    "RecordVerb",
                    Start.AddHours(i),
                    Start,
                    Start,
                    null
                )),
        ];
        await Host.Services.GetRequiredService<IRecordingStore>().UpsertAsync(Stored);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class RecordingsApiTests(StoredRecordings fixture) : IClassFixture<StoredRecordings>
{
    private const string CallA = StoredRecordings.CallA;
    private const string CallB = StoredRecordings.CallB;
    private static readonly DateTimeOffset Start = StoredRecordings.Start;
    private readonly RecordingsHost _host = fixture.Host;
    private readonly string _viewer = fixture.Viewer;
    private readonly List<Recording> _stored = fixture.Stored;

    [Fact]
    public async Task List_PagesThroughEverything_NewestFirst_WithoutRepeats()
    {
        using var client = _host.Client(_viewer);
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>("/api/recordings?limit=50" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("sid").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(_stored.OrderByDescending(r => r.StartTime).Select(r => r.Sid), seen);
    }

    [Fact]
    public async Task List_FiltersByCallStatusAndTime_AndCombinesThem()
    {
        using var client = _host.Client(_viewer);

        var byCall = await ItemsAsync(client, $"/api/recordings?callSid={CallA}&limit=200");
        var byStatus = await ItemsAsync(client, "/api/recordings?status=failed&limit=200");
        var byTime = await ItemsAsync(client, $"/api/recordings?from={Iso(Start.AddHours(10))}&to={Iso(Start.AddHours(19))}&limit=200");
        var combined = await ItemsAsync(client, $"/api/recordings?callSid={CallA}&status=failed&from={Iso(Start.AddHours(10))}&limit=200");

        Assert.Equal(60, byCall.Count);
        Assert.All(byCall, r => Assert.Equal(CallA, r.GetProperty("callSid").GetString()));
        Assert.Equal(24, byStatus.Count);
        Assert.Equal(10, byTime.Count);
        Assert.Equal(
            _stored.Where(r => r.CallSid == CallA && r.Status == "failed" && r.StartTime >= Start.AddHours(10)).Select(r => r.Sid),
            combined.Select(r => r.GetProperty("sid").GetString()).Reverse()
        );
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("callSid=CA123", "callSid")]
    [InlineData("status=paused", "status")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-11-10&to=2026-11-01", "to")]
    public async Task List_InvalidParameters_Are400NamingTheParameter(string query, string parameter)
    {
        using var client = _host.Client(_viewer);
        using var response = await client.GetAsync("/api/recordings?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out var messages));
        Assert.NotEmpty(messages[0].GetString()!);
    }

    [Fact]
    public async Task Detail_ReturnsTheContractsJson()
    {
        using var client = _host.Client(_viewer);
        var json = await client.GetStringAsync($"/api/recordings/{_stored[7].Sid}");

        using var document = JsonDocument.Parse(json);
        Assert.Equal(
            ["accountSid", "callSid", "channels", "createdAt", "durationSeconds", "errorCode", "sid", "source", "startTime", "status", "updatedAt"],
            document.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray()
        );
        Assert.Equal("2026-11-01T07:00:00.000Z", document.RootElement.GetProperty("startTime").GetString());
    }

    [Theory]
    [InlineData("RE123", HttpStatusCode.BadRequest)]
    [InlineData("../../etc/passwd", HttpStatusCode.BadRequest)]
    [InlineData("REffffffffffffffffffffffffffffffff", HttpStatusCode.NotFound)]
    [InlineData("REffffffffffffffffffffffffffffffff\n", HttpStatusCode.BadRequest)]
    public async Task Detail_MalformedOrUnknown_IsProblem(string sid, HttpStatusCode status)
    {
        using var client = _host.Client(_viewer);
        using var response = await client.GetAsync($"/api/recordings/{Uri.EscapeDataString(sid)}");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task WithoutToken_Is401_AndAViewerCannotReadTheAudit()
    {
        using var anonymous = _host.Client();
        using var list = await anonymous.GetAsync("/api/recordings");
        using var viewer = _host.Client(_viewer);
        using var audit = await viewer.GetAsync("/api/audit/recordings");

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
    }

    [Fact]
    public async Task ListingAndViewing_AreAuditedWithUserAndTarget_ListsOneEntryPerUserAndMinute()
    {
        var listViews = _host.Services.GetRequiredService<ListViews>();
        using var admin = _host.Client(await _host.AdminTokenAsync());
        await listViews.FlushAsync(CancellationToken.None); // what other tests of this host listed: written now
        var before = (await AuditListsAsync(admin)).Count;
        using var client = _host.Client(_viewer);
        for (var i = 0; i < 30; i++)
        {
            using (await client.GetAsync("/api/recordings?limit=5")) { }
        }

        using (await client.GetAsync($"/api/recordings/{_stored[3].Sid}")) { }

        // Thirty lists in a minute are one entry, written when the minute is flushed (as the background loop does).
        Assert.Equal(before, (await AuditListsAsync(admin)).Count);
        await listViews.FlushAsync(CancellationToken.None);
        var lists = await AuditListsAsync(admin);
        Assert.Equal(before + 1, lists.Count);
        Assert.StartsWith("30 lists, 150 recordings shown in the minute to ", lists[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
        var audit = (await admin.GetFromJsonAsync<JsonElement>("/api/audit/recordings")).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "view" && e.GetProperty("target").GetString() == _stored[3].Sid);
    }

    // Newest first, as the audit API lists them.
    private static async Task<List<JsonElement>> AuditListsAsync(HttpClient admin) =>
        [
            .. (await admin.GetFromJsonAsync<JsonElement>("/api/audit/recordings?limit=200"))
                .GetProperty("items")
                .EnumerateArray()
                .Where(e => e.GetProperty("action").GetString() == "list" && e.GetProperty("actor").GetString() == "vera"),
        ];

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("O", CultureInfo.InvariantCulture));

    private static async Task<List<JsonElement>> ItemsAsync(HttpClient client, string url) =>
        [.. (await client.GetFromJsonAsync<JsonElement>(url)).GetProperty("items").EnumerateArray()];
}
