using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Logging;

public sealed class RequestLoggingTests
{
    [Fact]
    public async Task RequestLog_HasMethodPathStatusAndClientIp_ButNoSecrets()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string> { ["RECORDINGS_SERVICE_URLS"] = backend.Url.ToString() }
        );
        using var client = gateway.CreateClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/recording?access_token=query-secret-1")
        {
            Content = new StringContent("RecordingSid=RE1"),
        };
        request.Headers.Add("Authorization", "Bearer header-secret-2");
        request.Headers.Add("Cookie", "__Host-session=cookie-secret-3");
        request.Headers.Add("X-Twilio-Signature", "signature-secret-4");
        using var response = await client.SendAsync(request);
        using var socketPath = await client.GetAsync("/ws?token=query-secret-5");

        static bool IsRequestLine(Serilog.Events.LogEvent e, string path) =>
            e.Properties.TryGetValue("RequestPath", out var value) && value.ToString() == $"\"{path}\"";
        await Wait.UntilAsync(
            () =>
                Task.FromResult(
                    gateway.Logs.Events.Any(e => IsRequestLine(e, "/webhooks/recording")) && gateway.Logs.Events.Any(e => IsRequestLine(e, "/ws"))
                ),
            TimeSpan.FromSeconds(5),
            "both requests are logged"
        );
        var line = gateway.Logs.Events.First(e => IsRequestLine(e, "/webhooks/recording"));
        Assert.Equal("\"POST\"", line.Properties["RequestMethod"].ToString());
        Assert.Equal("200", line.Properties["StatusCode"].ToString());
        Assert.True(line.Properties.ContainsKey("Elapsed"));
        Assert.Equal("\"127.0.0.1\"", line.Properties["ClientIp"].ToString());

        var everything = gateway.Logs.AllText();
        foreach (var secret in new[] { "query-secret-1", "header-secret-2", "cookie-secret-3", "signature-secret-4", "query-secret-5" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }
}
