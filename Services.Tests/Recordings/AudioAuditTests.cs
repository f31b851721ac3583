using System.Net;
using System.Text.Json;
using Services.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Services.Tests.Recordings;

/// <summary>
/// Every audio response is audited by what it serves, however its Range is spelled: once per user, recording and kind
/// (play or download) within a few minutes, and counted by the unusual-access alerts.
/// </summary>
public sealed class AudioAuditTests : IAsyncLifetime
{
    private static readonly byte[] Audio = [.. Enumerable.Range(0, 1000).Select(i => (byte)(i % 251))];
    private readonly RecordingsHost _host = new(new Dictionary<string, string> { ["ACCESS_ALERT_THRESHOLD"] = "3" });
    private readonly List<string> _sids = [.. Enumerable.Range(0, 4).Select(_ => RecordingsHost.NewRecordingSid())];

    public async Task InitializeAsync()
    {
        await _host.StartAsync();
        using var client = _host.Client();
        foreach (var sid in _sids)
        {
            using var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid)));
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
            // Twilio serves the whole file whatever Range says, as it may.
            _host
                .Twilio.Given(Request.Create().WithPath($"/2010-04-01/Accounts/{RecordingsHost.AccountSid}/Recordings/{sid}.mp3").UsingGet())
                .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "audio/mpeg").WithBody(Audio));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("bytes=00-")]
    [InlineData("bytes=1-")]
    [InlineData("bytes=0000-999")]
    [InlineData("bytes=-1000")]
    [InlineData("bytes=0-0")]
    public async Task AnAudioResponse_IsAuditedWhateverItsRangeSays_AndItsSeeksAreNot(string range)
    {
        var viewer = await _host.ViewerTokenAsync();
        using var client = _host.Client(viewer);

        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, _sids[0], range));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, _sids[0], "bytes=500-"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, _sids[0], range, download: true));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, _sids[0], "bytes=10-", download: true));

        var audit = await AuditAsync();
        Assert.Single(audit, e =>
            e.GetProperty("action").GetString() == "play"
            && e.GetProperty("actor").GetString() == "vera"
            && e.GetProperty("target").GetString() == _sids[0]
        );
        Assert.Single(audit, e =>
            e.GetProperty("action").GetString() == "download"
            && e.GetProperty("actor").GetString() == "vera"
            && e.GetProperty("target").GetString() == _sids[0]
        );
    }

    [Fact]
    public async Task PlaysWithOddRanges_AreCountedByTheUnusualAccessAlert()
    {
        var viewer = await _host.ViewerTokenAsync();
        using var client = _host.Client(viewer);

        foreach (var sid in _sids)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAsync(client, sid, "bytes=1-"));
        }

        var audit = await AuditAsync();
        Assert.Equal(4, audit.Count(e => e.GetProperty("action").GetString() == "play" && e.GetProperty("actor").GetString() == "vera"));
        Assert.Single(audit, e => e.GetProperty("action").GetString() == "access-alert" && e.GetProperty("actor").GetString() == "vera");
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, string sid, string range, bool download = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/recordings/{sid}/audio{(download ? "?download=1" : "")}");
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    private async Task<List<JsonElement>> AuditAsync()
    {
        using var admin = _host.Client(await _host.AdminTokenAsync());
        var page = JsonDocument.Parse(await admin.GetStringAsync("/api/audit/recordings?limit=200")).RootElement;
        return [.. page.GetProperty("items").EnumerateArray()];
    }
}
