using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Services.Tests.Infrastructure;
using TestSupport;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Services.Tests.Auth;

/// <summary>A burst of failed sign-ins goes to the audit as <c>sign-in-alert</c> and to ALERT_WEBHOOK_URL.</summary>
public sealed class SignInAlertTests
{
    [Fact]
    public async Task TenFailuresForOneUsername_AreOneAlert_AuditedAndPosted()
    {
        using var receiver = WireMockServer.Start();
        receiver.Given(Request.Create().WithPath("/alert").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        await using var host = new AuthHost(new Dictionary<string, string> { ["ALERT_WEBHOOK_URL"] = receiver.Url + "/alert" });
        using var client = host.Client();
        for (var i = 0; i < 12; i++)
        {
            using var failed = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "guess-" + i });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var admin = await host.SignInAsync();
        using var response = await host.SendAsync(HttpMethod.Get, "/api/audit/auth?action=sign-in-alert", admin.AccessToken);
        var alerts = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToList();
        // One for the username and one for the address (the same client), once each however many more failures follow.
        Assert.Equal(2, alerts.Count);
        Assert.Contains(alerts, a => a.GetProperty("detail").GetString() == "10 failed sign-ins within 5 minutes for user admin");

        await Wait.UntilAsync(() => Task.FromResult(receiver.LogEntries.Count >= 2), TimeSpan.FromSeconds(10), "both alerts posted");
        var texts = receiver.LogEntries.Select(e => JsonDocument.Parse(e.RequestMessage.Body!).RootElement.GetProperty("text").GetString()).ToList();
        Assert.Contains("Call recordings: 10 failed sign-ins within 5 minutes for user admin.", texts);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://alerts.example.com/x")]
    public async Task AnAlertUrlThatIsNoHttpsUrl_StopsTheStart_WithoutRepeatingIt(string value)
    {
        using var data = TemporaryDirectory.Create("auth-alert-");
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            [],
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["DATA_DIR"] = data.Path,
                ["ALERT_WEBHOOK_URL"] = value,
            }
        );

        Assert.Equal(78, exitCode);
        Assert.Contains("ALERT_WEBHOOK_URL must be an absolute https URL", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(value, stderr, StringComparison.Ordinal);
    }
}
