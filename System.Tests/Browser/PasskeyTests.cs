using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Playwright;

namespace System.Tests.Browser;

/// <summary>
/// Passkeys in Chromium with its virtual authenticator (DevTools' WebAuthn domain: CTAP2, internal transport, resident
/// keys, user verification): a user adds one on the Security page, signs out, signs in with it without typing a
/// username (with the button, then through the username field's autofill), and the same passkey is refused on another
/// address of the same gateway.
/// </summary>
[Collection(RunScriptGroup.Name)]
public sealed class PasskeyTests(BrowserFixture fixture)
{
    [Fact]
    public async Task APasskeyAddedOnTheSecurityPage_SignsInWithoutAUsername_AndNotFromAnotherOrigin()
    {
        var username = "pk" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        await CreateViewerAsync(username);
        await using var context = await fixture.Browser.NewContextAsync(
            new BrowserNewContextOptions { BaseURL = fixture.System.Url.ToString(), IgnoreHTTPSErrors = true }
        );
        var page = await context.NewPageAsync();
        try
        {
            await AddVirtualAuthenticatorAsync(context, page);
            await page.GotoAsync("/");
            await page.FillAsync("#username", username);
            await page.FillAsync("#password", Password);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync("**/app/");

            await page.ClickAsync("nav [data-section=security]");
            await Assertions.Expect(page.Locator("#passkey-list")).ToContainTextAsync("No passkey yet.");
            await page.FillAsync("#passkey-add input[name=name]", "Test laptop");
            await page.ClickAsync("#passkey-add button[type=submit]");
            await Assertions.Expect(page.Locator("#passkey-message")).ToContainTextAsync("\"Test laptop\" added");
            await Assertions.Expect(page.Locator("#passkey-list li")).ToContainTextAsync("Test laptop");

            // With the button (the browser's autofill offer switched off for this part): no username typed.
            await page.AddInitScriptAsync(
                "if (localStorage.getItem('test-no-autofill') && window.PublicKeyCredential) "
                    + "PublicKeyCredential.isConditionalMediationAvailable = async () => false;"
            );
            await page.EvaluateAsync("localStorage.setItem('test-no-autofill', '1')");
            await SignOutAsync(page);
            await Assertions.Expect(page.Locator("#passkey")).ToBeVisibleAsync();
            Assert.Equal("", await page.InputValueAsync("#username"));
            await page.ClickAsync("#passkey");
            await page.WaitForURLAsync("**/app/");
            await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync($"{username} (viewer)");

            // With the autofill (conditional mediation), which the virtual authenticator answers as a person picking
            // the passkey offered in the username field would: signed in again without a click.
            await page.EvaluateAsync("localStorage.removeItem('test-no-autofill')");
            await SignOutAsync(page);
            await page.WaitForURLAsync("**/app/");
            await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync($"{username} (viewer)");

            // The same gateway under another name: the passkey belongs to localhost, so the browser will not use it.
            var elsewhere = await context.NewPageAsync();
            await AddVirtualAuthenticatorAsync(context, elsewhere);
            await elsewhere.GotoAsync(new UriBuilder(fixture.System.Url) { Host = "127.0.0.1" }.Uri.ToString());
            await elsewhere.ClickAsync("#passkey");
            await Assertions.Expect(elsewhere.Locator("#message")).ToContainTextAsync("cannot be used from this address");
            Assert.DoesNotContain("/app/", elsewhere.Url, StringComparison.Ordinal);
        }
        catch
        {
            var folder = Path.Combine(Repository.Root, "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "passkeys.png"), FullPage = true });
            throw;
        }
    }

    private const string Password = "passkey-user-password-1";

    // Signs out and waits until the sign-in page is reached (it may move on at once, signed in by the autofill).
    private static async Task SignOutAsync(IPage page)
    {
        var signedOut = page.WaitForURLAsync("**/?reason=signed-out", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        await page.ClickAsync("#sign-out");
        await signedOut;
    }

    private static async Task AddVirtualAuthenticatorAsync(IBrowserContext context, IPage page)
    {
        var devtools = await context.NewCDPSessionAsync(page);
        await devtools.SendAsync("WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });
        await devtools.SendAsync(
            "WebAuthn.addVirtualAuthenticator",
            new Dictionary<string, object>
            {
                ["options"] = new Dictionary<string, object>
                {
                    ["protocol"] = "ctap2",
                    ["transport"] = "internal",
                    ["hasResidentKey"] = true,
                    ["hasUserVerification"] = true,
                    ["isUserVerified"] = true,
                    ["automaticPresenceSimulation"] = true,
                },
            }
        );
    }

    private async Task CreateViewerAsync(string username)
    {
        using var client = fixture.System.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await fixture.System.SignInAsync());
        using var created = await client.PostAsJsonAsync(
            "/api/users",
            new
            {
                username,
                password = Password,
                role = "viewer",
            }
        );
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}
