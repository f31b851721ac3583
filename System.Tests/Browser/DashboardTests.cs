using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Tests.Infrastructure;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace System.Tests.Browser;

/// <summary>The dashboard in a real browser (Debian's chromium through Playwright) against the system run.sh starts.</summary>
[Collection(RunScriptGroup.Name)]
public sealed class DashboardTests(BrowserFixture fixture) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<string> _consoleErrors = [];
    private readonly List<string> _dialogs = [];

    private RunningSystem System => fixture.System;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public Task SignIn_WrongPasswordThenRight_ShowsTheErrorThenTheDashboard() =>
        WithPageAsync(async page =>
        {
            await page.GotoAsync("/");
            await page.FillAsync("#username", System.AdminUsername);
            await page.FillAsync("#password", "not-the-password");
            await page.ClickAsync("button[type=submit]");
            await Assertions.Expect(page.Locator("#message")).ToHaveTextAsync("Wrong username or password.");

            await page.FillAsync("#password", System.AdminPassword);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync("**/app/");
            await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync($"{System.AdminUsername} (admin)");
        });

    [Fact]
    public Task Recordings_ListShowsStoredOnes_AndANewCallbackAppearsWithoutReload() =>
        WithPageAsync(async page =>
        {
            var stored = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(stored)).StatusCode);
            await SignInAsync(page);
            await Assertions.Expect(page.Locator($"tr[data-sid='{stored}']")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("Live updates: on");

            var arriving = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(arriving, status: "in-progress")).StatusCode);

            var row = page.Locator($"tr[data-sid='{arriving}']");
            await Assertions.Expect(row).ToBeVisibleAsync();
            await Assertions.Expect(row).ToHaveClassAsync(new Regex("fresh"));
            await Assertions.Expect(page.Locator("#recordings-table tbody tr").First).ToHaveAttributeAsync("data-sid", arriving);
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(arriving, status: "completed")).StatusCode);
            await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("completed");
        });

    [Fact]
    public Task LiveUpdates_CutOffAgainDuringTheirReplay_StillBringWhatChangedWhileAway() =>
        WithPageAsync(async page =>
        {
            // The page's sockets go through a route the test holds: the first is cut, the attempts while away are
            // refused, the next one is cut right after its "connected" (its replay never arrives), the last passes.
            var phase = LivePhase.PassThrough;
            IWebSocketRoute? open = null;
            var cutAfterConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await page.RouteWebSocketAsync(
                url => new Uri(url).AbsolutePath == "/ws",
                socket =>
                {
                    switch (phase)
                    {
                        case LivePhase.Away:
                            _ = socket.CloseAsync(new() { Code = 1001, Reason = "away" });
                            break;
                        case LivePhase.CutAfterConnected:
                            phase = LivePhase.PassThrough;
                            var server = socket.ConnectToServer();
                            server.OnMessage(frame =>
                            {
                                if (frame.Text?.Contains("\"connected\"", StringComparison.Ordinal) == true)
                                {
                                    socket.Send(frame.Text);
                                    _ = socket.CloseAsync(new() { Code = 1001, Reason = "going away" });
                                    cutAfterConnected.TrySetResult();
                                }
                            });
                            break;
                        default:
                            open = socket;
                            socket.ConnectToServer();
                            break;
                    }
                }
            );
            await SignInAsync(page);
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("Live updates: on");
            var before = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(before)).StatusCode);
            await Assertions.Expect(page.Locator($"tr[data-sid='{before}']")).ToBeVisibleAsync();

            phase = LivePhase.Away;
            await open!.CloseAsync(new() { Code = 1001, Reason = "going away" });
            var whileAway = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(whileAway)).StatusCode);
            // Longer than the service replays before a cursor (5 s): a cursor taken from the cut connection's time
            // would now be past what changed while away.
            await Task.Delay(TimeSpan.FromSeconds(7));
            phase = LivePhase.CutAfterConnected;
            await cutAfterConnected.Task.WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, await page.Locator($"tr[data-sid='{whileAway}']").CountAsync());

            await Assertions.Expect(page.Locator($"tr[data-sid='{whileAway}']")).ToBeVisibleAsync(new() { Timeout = 20_000 });
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("Live updates: on");
        });

    private enum LivePhase
    {
        PassThrough,
        Away,
        CutAfterConnected,
    }

    [Fact]
    public Task Audio_LoadsAndSeeks_WithARangeRequestReachingTwilio() =>
        WithPageAsync(async page =>
        {
            var sid = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(sid)).StatusCode);
            await SignInAsync(page);
            await page.ClickAsync($"tr[data-sid='{sid}'] button");

            await page.WaitForFunctionAsync(
                "() => document.getElementById('audio').readyState >= 1 && isFinite(document.getElementById('audio').duration)"
            );
            await page.EvalOnSelectorAsync("#audio", "audio => { audio.currentTime = audio.duration * 0.8; }");

            await Wait.UntilAsync(
                () =>
                    Task.FromResult(
                        System
                            .Twilio.RangesFor(sid)
                            .Any(r => r.StartsWith("bytes=", StringComparison.Ordinal) && !r.StartsWith("bytes=0-", StringComparison.Ordinal))
                    ),
                TimeSpan.FromSeconds(15),
                "a seek sent a Range request past the start to Twilio"
            );
            await Assertions.Expect(page.Locator("#download")).ToHaveAttributeAsync("href", $"/api/recordings/{sid}/audio?format=mp3&download=1");
        });

    [Fact]
    public Task Delete_ViewerSeesNoButton_AdminDeletesAfterConfirming() =>
        WithPageAsync(async page =>
        {
            var sid = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(sid)).StatusCode);
            var viewer = await CreateUserAsync("viewer");

            var viewerPage = await NewPageAsync();
            await SignInAsync(viewerPage, viewer, ViewerPassword);
            await viewerPage.ClickAsync($"tr[data-sid='{sid}'] button");
            await Assertions.Expect(viewerPage.Locator("#player")).ToBeVisibleAsync();
            await Assertions.Expect(viewerPage.Locator("#delete")).ToBeHiddenAsync();
            await Assertions.Expect(viewerPage.Locator("nav [data-section=users]")).ToBeHiddenAsync();

            await SignInAsync(page);
            await page.ClickAsync($"tr[data-sid='{sid}'] button");
            await page.ClickAsync("#delete");
            await Assertions.Expect(page.Locator("#confirm-delete")).ToBeVisibleAsync();
            await page.ClickAsync("#confirm-delete button[value=delete]");

            await Assertions.Expect(page.Locator($"tr[data-sid='{sid}'] td.status")).ToHaveTextAsync("deleted");
            Assert.Contains(System.Twilio.Server.LogEntries, e =>
                e.RequestMessage.Method == "DELETE" && e.RequestMessage.Path.Contains(sid, StringComparison.Ordinal)
            );
            // The viewer's open page learns of it live.
            await Assertions.Expect(viewerPage.Locator($"tr[data-sid='{sid}'] td.status")).ToHaveTextAsync("deleted");
        });

    [Fact]
    public Task TwilioFieldsWithMarkup_AreShownAsText_AndRunNothing() =>
        WithPageAsync(async page =>
        {
            const string markup = "<img src=x onerror=alert(1)>";
            var sid = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(sid)).StatusCode);
            // The webhook refuses such values, so this one is planted in the store directly (as a compromised
            // or older database might hold it): the page must still treat it as text.
            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(System.DataDirectory, "recordings.db")}"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "UPDATE recordings SET source = $markup WHERE sid = $sid";
                command.Parameters.AddWithValue("$markup", markup);
                command.Parameters.AddWithValue("$sid", sid);
                Assert.Equal(1, await command.ExecuteNonQueryAsync());
            }

            await SignInAsync(page);
            var row = page.Locator($"tr[data-sid='{sid}']");
            await Assertions.Expect(row.Locator("td").Nth(4)).ToHaveTextAsync(markup);
            await row.Locator("button").ClickAsync();
            await Assertions.Expect(page.Locator("#player-details")).ToContainTextAsync(markup);
            Assert.Equal(0, await page.Locator("main img").CountAsync());
            await page.WaitForTimeoutAsync(300);
            Assert.Empty(_dialogs);
        });

    [Fact]
    public Task SignOut_ThenBack_ShowsNoData() =>
        WithPageAsync(async page =>
        {
            var sid = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(sid)).StatusCode);
            await SignInAsync(page);
            await Assertions.Expect(page.Locator($"tr[data-sid='{sid}']")).ToBeVisibleAsync();

            await page.ClickAsync("#sign-out");
            await page.WaitForURLAsync("**/?reason=signed-out");
            await Assertions.Expect(page.Locator("#notice")).ToHaveTextAsync("You have signed out.");

            await page.GoBackAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            Assert.Equal("/", new Uri(page.Url).AbsolutePath);
            Assert.Equal(0, await page.Locator($"tr[data-sid='{sid}']").CountAsync());
            await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        });

    [Fact]
    public Task SessionRevokedByAnAdmin_SendsThePageToSignIn() =>
        WithPageAsync(async page =>
        {
            var viewer = await CreateUserAsync("leaver");
            await SignInAsync(page, viewer, ViewerPassword);
            await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("Live updates: on");

            using var client = System.Client();
            client.DefaultRequestHeaders.Authorization = new("Bearer", await AdminTokenAsync());
            using var disable = await client.PutAsJsonAsync($"/api/users/{viewer}", new { disabled = true });
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);

            await page.WaitForURLAsync("**/?reason=session-ended", new() { Timeout = 20_000 });
            await Assertions.Expect(page.Locator("#notice")).ToHaveTextAsync("Your session has ended. Please sign in again.");
        });

    [Fact]
    public Task Activity_And_Users_AreThereForAdmins() =>
        WithPageAsync(async page =>
        {
            await SignInAsync(page);
            await page.ClickAsync("nav [data-section=activity]");
            await Assertions.Expect(page.Locator("#chart-recordings svg rect.bar")).ToHaveCountAsync(30);
            await Assertions.Expect(page.Locator("#chart-failures svg rect.bar")).ToHaveCountAsync(24);
            await Assertions.Expect(page.Locator("#audit-auth tbody tr").First).ToBeVisibleAsync();

            await page.ClickAsync("nav [data-section=users]");
            var name = "made-" + Guid.NewGuid().ToString("N")[..8];
            await page.FillAsync("#create-user input[name=username]", name);
            await page.FillAsync("#create-user input[name=password]", "a-long-password-123");
            await page.ClickAsync("#create-user button[type=submit]");
            await Assertions.Expect(page.Locator($"#users-table tr[data-username='{name}']")).ToBeVisibleAsync();
            await page.SelectOptionAsync($"#users-table tr[data-username='{name}'] select", "admin");
            await Assertions.Expect(page.Locator("#users-message")).ToContainTextAsync($"{name} is now admin");
        });

    [Fact]
    public Task PhoneSizedWindow_ShowsRecordingsAsCards_AndNoPageScrollsSideways() =>
        WithPageAsync(async page =>
        {
            var sid = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(sid)).StatusCode);
            await page.SetViewportSizeAsync(390, 844);
            await page.GotoAsync("/");
            await AssertFitsAsync(page, "the sign-in page");
            await SignInAsync(page);

            // A recording is a card: its cells stacked, each with its column's heading, inside the screen's width.
            var card = page.Locator($"tr[data-sid='{sid}']");
            await Assertions.Expect(card).ToBeVisibleAsync();
            Assert.Equal("block", await card.EvaluateAsync<string>("row => getComputedStyle(row).display"));
            Assert.Equal("Call SID", await card.Locator("td.sid").GetAttributeAsync("data-label"));
            await page.Keyboard.PressAsync("Tab");
            await card.Locator("button").FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator("#player")).ToBeVisibleAsync();
            await AssertFitsAsync(page, "the recordings with the player");

            await page.ClickAsync("nav [data-section=activity]");
            await Assertions.Expect(page.Locator("#audit-auth tbody tr").First).ToBeVisibleAsync();
            await AssertFitsAsync(page, "the activity page");
            await page.ClickAsync("nav [data-section=users]");
            await Assertions.Expect(page.Locator("#users-table tbody tr").First).ToBeVisibleAsync();
            await AssertFitsAsync(page, "the users page");

            // Each card line is one line: its label does not wrap letter by letter.
            await page.ClickAsync("nav [data-section=recordings]");
            var status = card.Locator("td.status");
            var lineHeight = await status.EvaluateAsync<double>(
                "cell => parseFloat(getComputedStyle(cell).lineHeight) || cell.getBoundingClientRect().height"
            );
            Assert.True((await status.BoundingBoxAsync())!.Height < lineHeight * 1.5 + 8, "the Status line of a card wraps");
        });

    [Fact]
    public Task LaptopSizedWindow_WithARecordingOpen_ShowsEveryColumn_AndNothingScrollsSideways() =>
        WithPageAsync(async page =>
        {
            var sid = RunningSystem.NewRecordingSid();
            Assert.Equal(HttpStatusCode.NoContent, (await System.PostCallbackAsync(sid)).StatusCode);
            await page.SetViewportSizeAsync(1280, 800);
            await page.GotoAsync("/");
            await SignInAsync(page);
            var row = page.Locator($"tr[data-sid='{sid}']");
            await Assertions.Expect(row).ToBeVisibleAsync();
            await AssertFitsAsync(page, "the recordings");

            await row.Locator("button").ClickAsync();
            await Assertions.Expect(page.Locator("#player")).ToBeVisibleAsync();

            // The panel takes its column; the table keeps every column, its Play buttons included, inside its own.
            await AssertFitsAsync(page, "the recordings with the player");
            var table = await page.Locator(".layout .table-wrap").BoundingBoxAsync();
            var play = await row.Locator("button").BoundingBoxAsync();
            Assert.True(play!.X + play.Width <= table!.X + table.Width, "the Play button is cut off by the table's edge");
        });

    [Fact]
    public Task TwoStepSignIn_SetUpOnTheSecurityPage_IsAskedForAtSignIn_AndAnAdminCanResetIt() =>
        WithPageAsync(async page =>
        {
            var user = await CreateUserAsync("totp");
            await SignInAsync(page, user, ViewerPassword);
            await page.ClickAsync("nav [data-section=security]");
            await Assertions.Expect(page.Locator("#mfa-state")).ToContainTextAsync("off");
            await page.ClickAsync("#mfa-begin");

            // The QR code is drawn in the page (an inline SVG), with the key beside it for typing.
            await Assertions.Expect(page.Locator("#mfa-qr svg")).ToBeVisibleAsync();
            var secret = (await page.Locator("#mfa-secret").TextContentAsync())!.Replace(" ", "", StringComparison.Ordinal);
            await page.FillAsync(
                "#mfa-confirm input[name=code]",
                "000000" == TotpCalculator.Code(secret, DateTimeOffset.UtcNow) ? "111111" : "000000"
            );
            await page.ClickAsync("#mfa-confirm button[type=submit]");
            await Assertions.Expect(page.Locator("#mfa-message")).ToContainTextAsync("does not match");

            await page.FillAsync("#mfa-confirm input[name=code]", TotpCalculator.Code(secret, DateTimeOffset.UtcNow));
            await page.ClickAsync("#mfa-confirm button[type=submit]");
            await Assertions.Expect(page.Locator("#mfa-codes li")).ToHaveCountAsync(10);
            var recoveryCode = (await page.Locator("#mfa-codes li").First.TextContentAsync())!;
            await page.ClickAsync("#mfa-saved");
            await Assertions.Expect(page.Locator("#mfa-state")).ToContainTextAsync("on. 10 of 10 recovery codes left");
            await Assertions.Expect(page.Locator("#mfa-codes li")).ToHaveCountAsync(0); // shown once
            await page.ClickAsync("#sign-out");
            await page.WaitForURLAsync("**/?reason=signed-out");

            // Password first, then the code: the password is kept for the second step.
            await page.FillAsync("#username", user);
            await page.FillAsync("#password", ViewerPassword);
            await page.ClickAsync("button[type=submit]");
            await Assertions.Expect(page.Locator("#code")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#message")).ToHaveTextAsync("Enter the code from your authenticator app.");
            await page.FillAsync("#code", "999999" == TotpCalculator.Code(secret, DateTimeOffset.UtcNow) ? "888888" : "999999");
            await page.ClickAsync("button[type=submit]");
            await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("wrong or was already used");
            // The next step's code: the one used to turn it on (this step's) is spent.
            await page.FillAsync("#code", TotpCalculator.Code(secret, DateTimeOffset.UtcNow.AddSeconds(30)));
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync("**/app/");
            await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync($"{user} (viewer)");

            // A recovery code signs in once.
            var other = await NewPageAsync();
            await other.GotoAsync("/");
            await other.FillAsync("#username", user);
            await other.FillAsync("#password", ViewerPassword);
            await other.ClickAsync("button[type=submit]");
            await other.FillAsync("#code", recoveryCode);
            await other.ClickAsync("button[type=submit]");
            await other.WaitForURLAsync("**/app/");

            // The admin sees it on the users page and resets it (a lost phone): the user's pages are signed out.
            var admin = await NewPageAsync(acceptDialogs: true);
            await SignInAsync(admin);
            await admin.ClickAsync("nav [data-section=users]");
            var row = admin.Locator($"#users-table tr[data-username='{user}']");
            await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("on");
            await row.Locator("button", new() { HasText = "Reset two-step" }).ClickAsync();
            await Assertions.Expect(admin.Locator("#users-message")).ToContainTextAsync("two-step sign-in removed");
            await Assertions.Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("off");
            await SignInAsync(page, user, ViewerPassword); // the password alone again
        });

    [Fact]
    public Task Activity_ShowsAlertsFirst_ABurstOfFailedSignInsAmongThem() =>
        WithPageAsync(async page =>
        {
            // Ten failed sign-ins from this machine, each for another username (no per-username slowdown): a burst.
            using (var client = System.Client())
            {
                for (var i = 0; i < 10; i++)
                {
                    using var failed = await client.PostAsJsonAsync(
                        "/api/auth/login",
                        new { username = $"nobody-{Guid.NewGuid().ToString("N")[..8]}", password = "wrong-password-1" }
                    );
                    Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
                }
            }

            await SignInAsync(page);
            await page.ClickAsync("nav [data-section=activity]");
            var alerts = page.Locator("#alerts tbody tr");
            await Assertions.Expect(alerts.First.Locator("td").Nth(1)).ToHaveTextAsync(new Regex("^(sign-in|access|callback)-alert$"));
            await Assertions
                .Expect(page.Locator("#alerts tbody tr", new() { HasText = "failed sign-ins within 5 minutes from" }).First)
                .ToBeVisibleAsync();
        });

    /// <summary>Nothing is wider than the window and nothing scrolls sideways, the tables included.</summary>
    /// <summary>
    /// Nothing on the page is wider than the window or scrolls sideways inside it. A screenshot of what was checked is
    /// kept in TestResults/screenshots, named after it and the window's width.
    /// </summary>
    private static async Task AssertFitsAsync(IPage page, string what)
    {
        var folder = Path.Combine(Repository.Root, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(
            new PageScreenshotOptions { Path = Path.Combine(folder, $"{what.Replace(' ', '-')}-{page.ViewportSize?.Width}.png"), FullPage = true }
        );
        var wide = await page.EvaluateAsync<string[]>(
            @"() => [...document.querySelectorAll('body *')]
            .filter(e => e.getClientRects().length > 0
                && (e.getBoundingClientRect().right > window.innerWidth + 1
                    || e.scrollWidth > e.clientWidth + 1 && !['visible', 'hidden'].includes(getComputedStyle(e).overflowX)))
            .map(e => `${e.tagName}#${e.id}.${e.className}: ${Math.round(e.getBoundingClientRect().right)}`)"
        );
        Assert.True(wide.Length == 0, $"{what}: wider than the window ({page.ViewportSize?.Width} px): " + string.Join(", ", wide));
        Assert.False(
            await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1"),
            $"{what} scrolls sideways"
        );
    }

    private const string ViewerPassword = "viewer-password-123";

    private async Task<string> AdminTokenAsync()
    {
        using var client = System.Client();
        using var response = await client.PostAsJsonAsync(
            "/api/auth/login",
            new { username = System.AdminUsername, password = System.AdminPassword }
        );
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["access_token"].ToString()!;
    }

    private async Task<string> CreateUserAsync(string prefix)
    {
        var username = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        using var client = System.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await AdminTokenAsync());
        using var response = await client.PostAsJsonAsync(
            "/api/users",
            new
            {
                username,
                password = ViewerPassword,
                role = "viewer",
            }
        );
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return username;
    }

    private async Task SignInAsync(IPage page, string? username = null, string? password = null)
    {
        await page.GotoAsync("/");
        await page.FillAsync("#username", username ?? System.AdminUsername);
        await page.FillAsync("#password", password ?? System.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/app/");
        await Assertions.Expect(page.Locator("#who")).Not.ToBeEmptyAsync();
    }

    /// <param name="acceptDialogs">Answer the page's confirm() with OK (otherwise every dialog is dismissed).</param>
    private async Task<IPage> NewPageAsync(bool acceptDialogs = false)
    {
        var context = await fixture.Browser.NewContextAsync(
            new BrowserNewContextOptions { BaseURL = System.Url.ToString(), IgnoreHTTPSErrors = true }
        );
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                lock (_consoleErrors)
                {
                    _consoleErrors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_consoleErrors)
            {
                _consoleErrors.Add("page error: " + error);
            }
        };
        page.Dialog += async (_, dialog) =>
        {
            _dialogs.Add(dialog.Message);
            await (acceptDialogs ? dialog.AcceptAsync() : dialog.DismissAsync());
        };
        return page;
    }

    /// <summary>Runs a scenario on a fresh page; on failure saves a screenshot; always checks that no CSP violation was reported.</summary>
    private async Task WithPageAsync(Func<IPage, Task> scenario, [CallerMemberName] string name = "")
    {
        var page = await NewPageAsync();
        try
        {
            await scenario(page);
        }
        catch
        {
            var folder = Path.Combine(Repository.Root, "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            foreach (var (open, index) in _contexts.SelectMany(c => c.Pages).Select((p, i) => (p, i)))
            {
                await open.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}-{index}.png"), FullPage = true });
            }

            throw;
        }

        lock (_consoleErrors)
        {
            Assert.DoesNotContain(_consoleErrors, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        }
    }
}
