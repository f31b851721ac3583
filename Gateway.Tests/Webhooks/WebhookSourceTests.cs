using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Webhooks;

public sealed class WebhookSourceTests
{
    [Fact]
    public async Task WithAnAllowlist_CallbacksFromOtherAddressesAreRefused403_BeforeAnythingIsForwarded()
    {
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString(),
                ["TRUSTED_PROXIES"] = "127.0.0.1", // the test client is the proxy; X-Forwarded-For names the caller
                ["TWILIO_WEBHOOK_ALLOWED_IPS"] = "203.0.113.0/24, 198.51.100.7, 2001:db8::/32",
            }
        );
        using var client = gateway.CreateAnonymousClient();

        foreach (var allowed in new[] { "203.0.113.9", "198.51.100.7", "2001:db8::1" })
        {
            using var response = await PostCallbackAsync(client, allowed);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, recordings.Requests.Count);
        foreach (var refused in new[] { "198.51.100.8", "192.0.2.1", "2001:db9::1" })
        {
            using var response = await PostCallbackAsync(client, refused);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("not accepted from this address", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(3, recordings.Requests.Count); // nothing of the refused ones reached the service

        // Only the callback route is restricted: the same address reaches everything else as before.
        using var other = new HttpRequestMessage(HttpMethod.Get, "/health");
        other.Headers.Add("X-Forwarded-For", "192.0.2.1");
        using var otherResponse = await client.SendAsync(other);
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
    }

    [Fact]
    public async Task WithoutAnAllowlist_EveryAddressMayCall_TheSignatureStaysTheCheck()
    {
        await using var recordings = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString(), ["TRUSTED_PROXIES"] = "127.0.0.1" }
        );
        using var client = gateway.CreateAnonymousClient();

        using var response = await PostCallbackAsync(client, "192.0.2.1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(recordings.Requests);
    }

    private static Task<HttpResponseMessage> PostCallbackAsync(HttpClient client, string from)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/recording")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["RecordingSid"] = "RE" + new string('1', 32) }),
        };
        request.Headers.Add("X-Forwarded-For", from);
        return client.SendAsync(request);
    }
}
