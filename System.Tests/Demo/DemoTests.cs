using System.Net;
using System.Net.Http.Json;
using System.Tests.Browser;
using System.Tests.Infrastructure;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace System.Tests.Demo;

/// <summary>
/// <c>bash deploy/run.sh --demo</c> as a new user starts it: the dashboard fills with sample recordings whose audio
/// plays and seeks, more arrive live, and deleting and sync work, all against the local stand-in for Twilio.
/// </summary>
[Collection(RunScriptGroup.Name)]
public sealed partial class DemoTests(BrowserFixture fixture)
{
    [Fact]
    public async Task TheDemoStartedWithoutItsSettings_ListsEveryMissingOne_AndExits78()
    {
        var environment = new Dictionary<string, string?>
        {
            ["DEMO_TWILIO_PORT"] = null,
            ["PUBLIC_BASE_URL"] = null,
            ["TWILIO_ACCOUNT_SID"] = null,
            ["TWILIO_AUTH_TOKEN"] = null,
            ["DEMO_LATE_SECONDS"] = "soon",
        };
        var result = await Processes.RunBuiltAsync("Demo", [], environment: environment);

        Assert.Equal(78, result.ExitCode);
        foreach (var name in new[] { "DEMO_TWILIO_PORT", "PUBLIC_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "DEMO_LATE_SECONDS" })
        {
            Assert.Contains(name, result.StandardError, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task TheDemo_ShowsAWorkingDashboard_WithoutATwilioAccount()
    {
        using var standIn = PortReservation.Reserve();
        await using var script = RunScript.Start(
            new Dictionary<string, string?>
            {
                ["DEMO_TWILIO_PORT"] = standIn.ToString(),
                // The arrivals a minute after start, compressed: from 15 s on (the page is open by then), one a second.
                ["DEMO_LATE_SECONDS"] = "15",
                ["DEMO_ARRIVAL_SECONDS"] = "1",
                ["TWILIO_API_BASE_URL"] = null,
                ["TWILIO_ACCOUNT_SID"] = null,
                ["TWILIO_AUTH_TOKEN"] = null,
            },
            "--demo"
        );
        var (username, password) = await script.WaitUntilReadyAsync();

        // It says what is simulated.
        var said = await script.Process.WaitForLineAsync(AcceptedLine(), TimeSpan.FromMinutes(1));
        Assert.Equal("20 of 20", said.Groups[1].Value);
        Assert.Contains("Twilio is simulated", script.Process.Output, StringComparison.Ordinal);
        Assert.Contains($"stand-in on http://127.0.0.1:{standIn.Port}", script.Process.Output, StringComparison.Ordinal);

        await using var context = await fixture.Browser.NewContextAsync(
            new BrowserNewContextOptions { BaseURL = script.Url.ToString(), IgnoreHTTPSErrors = true }
        );
        var page = await context.NewPageAsync();
        try
        {
            await page.GotoAsync("/");
            await page.FillAsync("#username", username);
            await page.FillAsync("#password", password);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync("**/app/");

            // The first 20, then the late ones arrive on the open page without a reload, highlighted as new.
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("Live updates: on");
            await Assertions.Expect(page.Locator("#recordings-table tbody tr")).ToHaveCountAsync(20);
            await Assertions.Expect(page.Locator("#recordings-table tbody tr.fresh").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("#recordings-table tbody tr")).ToHaveCountAsync(25, new() { Timeout = 60_000 });

            // A completed one plays its generated audio, and seeks.
            // (One of the first 20, by its SID: the rows above it may still be changing.)
            var row = page.Locator("#recordings-table tbody tr", new() { Has = page.Locator("td.status", new() { HasText = "completed" }) }).Last;
            var sid = (await row.GetAttributeAsync("data-sid"))!;
            var seconds = await DurationOfAsync(script, username, password, sid);
            await page.Locator($"tr[data-sid='{sid}'] button").ClickAsync();
            await page.WaitForFunctionAsync(
                "() => { const a = document.getElementById('audio'); return a.readyState >= 1 && isFinite(a.duration); }"
            );
            var duration = await page.EvalOnSelectorAsync<double>("#audio", "audio => audio.duration");
            Assert.InRange(duration, seconds - 1, seconds + 1);
            await page.EvalOnSelectorAsync(
                "#audio",
                "audio => { audio.muted = true; audio.currentTime = audio.duration * 0.5; return audio.play(); }"
            );
            await page.WaitForFunctionAsync(
                "() => document.getElementById('audio').currentTime > document.getElementById('audio').duration * 0.5 + 0.2"
            );
            Assert.Equal(string.Empty, await page.Locator("#player-error").TextContentAsync());
        }
        catch
        {
            var folder = Path.Combine(Repository.Root, "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "demo.png"), FullPage = true });
            throw;
        }

        // Delete and sync reach the stand-in.
        using var client = script.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await TokenAsync(script, username, password));
        var recordings = await client.GetFromJsonAsync<JsonElement>("/api/recordings?limit=100");
        var completed = recordings
            .GetProperty("items")
            .EnumerateArray()
            .Last(r => r.GetProperty("status").GetString() == "completed")
            .GetProperty("sid")
            .GetString();
        using (var deleted = await client.DeleteAsync($"/api/recordings/{completed}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var sync = await client.PostAsync("/api/recordings/sync", null);
        Assert.Equal(HttpStatusCode.OK, sync.StatusCode);
        Assert.Equal(24, (await sync.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seen").GetInt32());
    }

    private static async Task<int> DurationOfAsync(RunScript script, string username, string password, string sid)
    {
        using var client = script.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await TokenAsync(script, username, password));
        return (await client.GetFromJsonAsync<JsonElement>($"/api/recordings/{sid}")).GetProperty("durationSeconds").GetInt32();
    }

    private static async Task<string> TokenAsync(RunScript script, string username, string password)
    {
        using var client = script.Client();
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    [GeneratedRegex(@"(\d+ of \d+) signed sample callbacks were accepted")]
    private static partial Regex AcceptedLine();
}
