using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>The real RecordingsService behind the real gateway: a signed callback shows up in the list and live.</summary>
public sealed class RecordingsThroughGatewayTests(RecordingsBehindGateway system) : IClassFixture<RecordingsBehindGateway>
{
    private const string AccountSid = RecordingsBehindGateway.AccountSid;
    private const string AuthToken = RecordingsBehindGateway.AuthToken;
    private const string PublicBaseUrl = RecordingsBehindGateway.PublicBaseUrl;

    private readonly TestIdentity _identity = system.Identity;
    private readonly GatewayHost _gateway = system.Gateway;

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

        Assert.Equal(sid, await LiveEvents.FirstRecordingSidAsync(socket));
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
}
