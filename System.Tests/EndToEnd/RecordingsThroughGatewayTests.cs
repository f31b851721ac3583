using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Tests.Browser;
using System.Tests.Infrastructure;
using System.Text.Json;

namespace System.Tests.EndToEnd;

/// <summary>A recording's way through the whole system (deploy/run.sh): Twilio's callback in, the list and a dashboard out.</summary>
[Collection(RunScriptGroup.Name)]
public sealed class RecordingsThroughGatewayTests(BrowserFixture fixture)
{
    private RunningSystem System => fixture.System;

    [Fact]
    public async Task SignedCallbackThroughTheGateway_IsListed_AndArrivesLiveOnTheWebSocket()
    {
        var token = await System.SignInAsync();
        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        await socket.ConnectAsync(new UriBuilder(System.Url) { Scheme = "wss", Path = "/ws" }.Uri, CancellationToken.None);
        Assert.Equal("connected", (await LiveEvents.ReceiveAsync(socket)).GetProperty("type").GetString());

        var sid = RunningSystem.NewRecordingSid();
        using var callback = await System.PostCallbackAsync(sid);
        Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);

        using var client = System.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var recording = await client.GetFromJsonAsync<JsonElement>($"/api/recordings/{sid}");
        Assert.Equal("completed", recording.GetProperty("status").GetString());

        // Other tests share the system: events for their recordings may come first.
        await Wait.UntilAsync(
            async () => (await LiveEvents.ReceiveAsync(socket)).GetProperty("recording").GetProperty("sid").GetString() == sid,
            TimeSpan.FromSeconds(20),
            "the callback's recording arrived on the dashboard's socket"
        );
    }

    [Fact]
    public async Task CallbackSignedForAnotherHostOfTheGateway_IsRefused_BecauseOnlyPublicBaseUrlCounts()
    {
        // 127.0.0.1 reaches the same gateway as PUBLIC_BASE_URL (https://localhost:PORT), but only the latter is signed.
        var sid = RunningSystem.NewRecordingSid();
        var ownHost = new UriBuilder(System.Url) { Host = "127.0.0.1", Path = "/webhooks/recording" }.Uri.ToString();
        using var callback = await System.PostCallbackAsync(sid, signedFor: ownHost);
        Assert.Equal(HttpStatusCode.Forbidden, callback.StatusCode);

        using var client = System.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await System.SignInAsync());
        using var lookup = await client.GetAsync($"/api/recordings/{sid}");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }
}
