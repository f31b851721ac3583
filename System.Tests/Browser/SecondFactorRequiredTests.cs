using System.Tests.Infrastructure;
using Microsoft.Playwright;

namespace System.Tests.Browser;

/// <summary>
/// MFA_REQUIRED_FOR_ADMINS in a real browser, on a system of its own started with it: an admin without a second
/// factor sees only the enrolment until it is done, then the whole dashboard.
/// </summary>
[Collection(RunScriptGroup.Name)]
public sealed class SecondFactorRequiredTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AnAdminWithoutASecondFactor_IsWalkedThroughEnrolment_BeforeAnythingElse()
    {
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["MFA_REQUIRED_FOR_ADMINS"] = "true" });
        await using var context = await fixture.Browser.NewContextAsync(
            new BrowserNewContextOptions { BaseURL = system.Url.ToString(), IgnoreHTTPSErrors = true }
        );
        var page = await context.NewPageAsync();
        try
        {
            await page.GotoAsync("/");
            await page.FillAsync("#username", system.AdminUsername);
            await page.FillAsync("#password", system.AdminPassword);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync("**/app/");

            await Assertions.Expect(page.Locator("#mfa-required")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#recordings")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("nav .tab:visible")).ToHaveCountAsync(0);

            await page.ClickAsync("#mfa-begin");
            await Assertions.Expect(page.Locator("#mfa-qr svg")).ToBeVisibleAsync();
            var secret = (await page.Locator("#mfa-secret").TextContentAsync())!.Replace(" ", "", StringComparison.Ordinal);
            await page.FillAsync("#mfa-confirm input[name=code]", TotpCalculator.Code(secret, DateTimeOffset.UtcNow));
            await page.ClickAsync("#mfa-confirm button[type=submit]");
            await Assertions.Expect(page.Locator("#mfa-codes li")).ToHaveCountAsync(10);
            await page.ClickAsync("#mfa-saved");

            // Reloaded with a full token: the recordings and the admin's sections.
            await Assertions.Expect(page.Locator("#recordings")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("nav [data-section=users]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#mfa-required")).ToBeHiddenAsync();
            await page.ClickAsync("nav [data-section=users]");
            await Assertions.Expect(page.Locator($"#users-table tr[data-username='{system.AdminUsername}'] td").Nth(3)).ToHaveTextAsync("on");
        }
        catch
        {
            var folder = Path.Combine(Repository.Root, "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "second-factor-required.png"), FullPage = true });
            throw;
        }
    }
}
