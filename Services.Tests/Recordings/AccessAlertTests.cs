using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecordingsService.Webhooks;
using ServiceDefaults.Alerts;
using Services.Tests.Infrastructure;
using TestSupport;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Services.Tests.Recordings;

/// <summary>Unusual access (ACCESS_ALERT_*), refused-callback bursts, and the alert webhook (ALERT_WEBHOOK_URL).</summary>
public sealed class AccessAlertTests : IAsyncLifetime
{
    private readonly WireMockServer _receiver = WireMockServer.Start();
    private RecordingsHost _host = null!;
    private string _admin = null!;

    public async Task InitializeAsync()
    {
        // The receiver fails every post: alerts must still be raised once, and never fail the user's requests.
        _receiver.Given(Request.Create().WithPath("/hooks/alert").UsingPost()).RespondWith(Response.Create().WithStatusCode(500));
        _host = new RecordingsHost(
            new Dictionary<string, string>
            {
                ["ACCESS_ALERT_THRESHOLD"] = "3",
                ["ACCESS_ALERT_WINDOW_MINUTES"] = "10",
                ["ALERT_WEBHOOK_URL"] = _receiver.Url + "/hooks/alert",
            }
        );
        await _host.StartAsync();
        _admin = await _host.AdminTokenAsync();
        _host
            .Twilio.Given(
                Request
                    .Create()
                    .WithPath(new WireMock.Matchers.RegexMatcher(@"^/2010-04-01/Accounts/AC[0-9a-f]{32}/Recordings/RE[0-9a-f]{32}\.mp3$"))
                    .UsingGet()
            )
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "audio/mpeg").WithBody(new byte[100]));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _receiver.Stop();
    }

    [Fact]
    public async Task MorePlaysThanTheThreshold_RaiseOneAlert_AuditedAndPosted_WithoutFailingAnyPlay()
    {
        var viewer = await _host.ViewerTokenAsync();
        using var client = _host.Client(viewer);
        for (var play = 1; play <= 6; play++)
        {
            var sid = await StoreAsync();
            using var response = await client.GetAsync($"/api/recordings/{sid}/audio");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(play <= 3 ? 0 : 1, (await AlertsAsync("access-alert")).Count);
        }

        var alert = Assert.Single(await AlertsAsync("access-alert"));
        Assert.Equal("vera", alert.GetProperty("actor").GetString());
        Assert.StartsWith("4 plays, downloads or deletes within 10 minutes", alert.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var posted = await PostedAsync(1);
        Assert.Contains("unusual access by vera", posted[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABurstOfRefusedCallbacks_IsOneAlert()
    {
        using var client = _host.Client();
        for (var i = 0; i < RefusedCallbacks.BurstThreshold; i++)
        {
            using var refused = await client.SendAsync(
                RecordingsHost.Callback(RecordingsHost.Fields(RecordingsHost.NewRecordingSid()), signature: "forged")
            );
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        await _host.Services.GetRequiredService<RefusedCallbacks>().FlushAsync(CancellationToken.None);

        var alert = Assert.Single(await AlertsAsync("callback-alert"));
        Assert.StartsWith(
            $"{RefusedCallbacks.BurstThreshold} refused recording callbacks in the minute",
            alert.GetProperty("detail").GetString(),
            StringComparison.Ordinal
        );
        Assert.Contains("forged callbacks", (await PostedAsync(1))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAuditFilter_TakesOnlyAnActionName()
    {
        using var client = _host.Client(_admin);
        using var bad = await client.GetAsync("/api/audit/recordings?action=DROP%20TABLE");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await AlertsAsync("access-alert"));
    }

    private async Task<string> StoreAsync()
    {
        var sid = RecordingsHost.NewRecordingSid();
        using var client = _host.Client();
        using var stored = await client.SendAsync(RecordingsHost.Callback(RecordingsHost.Fields(sid)));
        Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        return sid;
    }

    private async Task<List<JsonElement>> AlertsAsync(string action)
    {
        using var client = _host.Client(_admin);
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/audit/recordings?action={action}");
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.All(items, e => Assert.Equal(action, e.GetProperty("action").GetString()));
        return items;
    }

    // What the receiver got, as Slack-compatible {"text": …} bodies, checked to be exactly that many: a marker alert
    // raised last is posted last (one queue, one sender), so once it has arrived every earlier alert has too.
    private async Task<List<string>> PostedAsync(int count)
    {
        const string Marker = "test: every earlier alert is posted";
        _host.Services.GetRequiredService<AlertSender>().Raise("test", Marker);
        await Wait.UntilAsync(() => Task.FromResult(Texts().Contains(Marker)), TimeSpan.FromSeconds(10), "the marker alert posted");
        var bodies = Texts().Where(text => text != Marker).ToList();
        Assert.Equal(count, bodies.Count);
        return bodies;
    }

    private List<string> Texts() =>
        [.. _receiver.LogEntries.Select(e => JsonDocument.Parse(e.RequestMessage.Body!).RootElement.GetProperty("text").GetString()!)];
}
