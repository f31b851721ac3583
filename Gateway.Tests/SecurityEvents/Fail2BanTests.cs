using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Tests.Infrastructure;
using Serilog.Formatting.Compact;

namespace Gateway.Tests.SecurityEvents;

/// <summary>deploy/fail2ban's filter, run by Debian's fail2ban-regex over the gateway's own log lines.</summary>
public sealed class Fail2BanTests
{
    [Fact]
    public async Task TheFilter_MatchesRefusedSignInsAndCallbacks_WithTheirAddresses_AndNothingElse()
    {
        await using var auth = await FakeBackend.StartAsync();
        await using var recordings = await FakeBackend.StartAsync();
        auth.Handler = context =>
        {
            context.Response.StatusCode =
                context.Request.Path == "/api/auth/login"
                && context.Request.Headers["X-Forwarded-For"].ToString().StartsWith("192.0.2.1", StringComparison.Ordinal)
                    ? 200
                    : 401;
            return Task.CompletedTask;
        };
        recordings.Handler = context =>
        {
            context.Response.StatusCode = context.Request.Path == "/webhooks/recording" ? 403 : 200;
            return Task.CompletedTask;
        };
        await using var gateway = await GatewayHost.StartAsync(
            new Dictionary<string, string>
            {
                ["AUTH_SERVICE_URLS"] = auth.Url.ToString(),
                ["RECORDINGS_SERVICE_URLS"] = recordings.Url.ToString(),
                ["TRUSTED_PROXIES"] = "127.0.0.1",
            }
        );
        using var client = gateway.CreateAnonymousClient();

        async Task SendAsync(HttpMethod method, string path, string from, HttpStatusCode expected)
        {
            using var request = new HttpRequestMessage(method, path)
            {
                Content = method == HttpMethod.Post ? new StringContent("{}", Encoding.UTF8, "application/json") : null,
            };
            request.Headers.Add("X-Forwarded-For", from);
            using var response = await client.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            await SendAsync(HttpMethod.Post, "/api/auth/login", "203.0.113.7", HttpStatusCode.Unauthorized);
        }

        await SendAsync(HttpMethod.Post, "/api/auth/login", "2001:db8::7", HttpStatusCode.Unauthorized);
        await SendAsync(HttpMethod.Post, "/webhooks/recording", "198.51.100.9", HttpStatusCode.Forbidden);
        await SendAsync(HttpMethod.Post, "/webhooks/recording", "198.51.100.9", HttpStatusCode.Forbidden);
        // Not for fail2ban: a sign-in that worked, a signed-out API call, a health probe.
        await SendAsync(HttpMethod.Post, "/api/auth/login", "192.0.2.1", HttpStatusCode.OK);
        await SendAsync(HttpMethod.Get, "/api/recordings", "192.0.2.2", HttpStatusCode.Unauthorized);
        await SendAsync(HttpMethod.Get, "/health", "192.0.2.3", HttpStatusCode.OK);

        // The lines exactly as the gateway writes them in Production (the same formatter as its standard output).
        await Wait.UntilAsync(
            () => Task.FromResult(gateway.Logs.Events.Count(e => e.Properties.ContainsKey("StatusCode")) >= 8), // (a 200 health probe is not logged)
            TimeSpan.FromSeconds(5),
            "every request is logged"
        );
        using var directory = TemporaryDirectory.Create("fail2ban-");
        var log = Path.Combine(directory.Path, "gateway.log");
        await using (var writer = new StreamWriter(log))
        {
            var formatter = new CompactJsonFormatter();
            foreach (var logEvent in gateway.Logs.Events)
            {
                formatter.Format(logEvent, writer);
            }
        }

        var filter = Path.Combine(Repository.Root, "deploy", "fail2ban", "filter.d", "recordings-gateway.conf");
        var (exitCode, stdout, stderr) = await Processes.RunAsync("fail2ban-regex", ["--print-all-matched", log, filter]);

        Assert.True(exitCode == 0, stderr);
        var lines = Regex.Match(stdout, @"Lines: (\d+) lines, 0 ignored, 6 matched, \d+ missed");
        Assert.True(lines.Success, stdout);
        // Every line's time stamp was read by the filter's date pattern (not guessed, not the time of reading).
        Assert.Contains($"|  [{lines.Groups[1].Value}] ^\\{{\"@t\":\"Year-Month-Day", stdout, StringComparison.Ordinal);
        var start = stdout.IndexOf("|- Matched line(s):", StringComparison.Ordinal);
        var matched = stdout[start..stdout.IndexOf("|- Missed line(s):", start, StringComparison.Ordinal)];
        Assert.Equal(3, CountOf(matched, "\"ClientIp\":\"203.0.113.7\""));
        Assert.Equal(1, CountOf(matched, "\"ClientIp\":\"2001:db8::7\""));
        Assert.Equal(2, CountOf(matched, "\"ClientIp\":\"198.51.100.9\""));
        Assert.DoesNotContain("192.0.2.", matched, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;
}
