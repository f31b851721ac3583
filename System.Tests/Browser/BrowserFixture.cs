using System.Tests.Infrastructure;
using Microsoft.Playwright;

namespace System.Tests.Browser;

/// <summary>The whole system (deploy/run.sh) and one headless Debian chromium, shared by the browser tests.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public RunningSystem System { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System = await RunningSystem.StartAsync();
        // The whole suite shares two cores with the system under test, and bcrypt runs at a lower priority: what a
        // person sees may take more than Playwright's default 5 s to appear, though it must appear.
        Assertions.SetDefaultExpectTimeout(15_000);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                // As root in CI; no background traffic to hosts this machine cannot reach.
                Args =
                [
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--autoplay-policy=no-user-gesture-required",
                ],
            }
        );
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await System.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RunScriptGroup : ICollectionFixture<BrowserFixture>
{
    /// <summary>Tests that start deploy/run.sh run one at a time (its build step must not race another).</summary>
    public const string Name = "run.sh";
}
