using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace System.Tests.Browser;

/// <summary>
/// CDN_BASE_URL in a real browser: the system started with it, and a second local origin playing the CDN (it pulls
/// each hashed asset from the gateway, as a CDN pulls from its origin). The dashboard works with every script and
/// style from there, and the page's policy lets nothing else in.
/// </summary>
[Collection(RunScriptGroup.Name)]
public sealed class CdnTests(BrowserFixture fixture)
{
    [Fact]
    public async Task TheDashboard_LoadsItsAssetsFromTheCdn_AndWorks()
    {
        using var certificate = TestCertificate.Create();
        using var port = PortReservation.Reserve();
        RunningSystem? origin = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port.Port, listen =>
                listen.UseHttps(X509Certificate2.CreateFromPemFile(certificate.CertificatePath, certificate.KeyPath))
            )
        );
        await using var cdn = builder.Build();
        cdn.Run(async context =>
        {
            using var client = origin!.Client();
            using var pulled = await client.GetAsync(context.Request.Path + context.Request.QueryString);
            context.Response.StatusCode = (int)pulled.StatusCode;
            foreach (var header in new[] { "Cache-Control", "Access-Control-Allow-Origin" })
            {
                if (pulled.Headers.TryGetValues(header, out var values))
                {
                    context.Response.Headers[header] = values.ToArray();
                }
            }

            context.Response.ContentType = pulled.Content.Headers.ContentType?.ToString();
            await context.Response.Body.WriteAsync(await pulled.Content.ReadAsByteArrayAsync());
        });
        await cdn.StartAsync();

        var cdnOrigin = $"https://localhost:{port.Port}";
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["CDN_BASE_URL"] = cdnOrigin });
        origin = system;
        await using var context = await fixture.Browser.NewContextAsync(
            new BrowserNewContextOptions { BaseURL = system.Url.ToString(), IgnoreHTTPSErrors = true }
        );
        var page = await context.NewPageAsync();
        var assets = new List<string>();
        var problems = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.ResourceType is "script" or "stylesheet")
            {
                lock (assets)
                {
                    assets.Add(request.Url);
                }
            }
        };
        // Anything the policy blocked, and any asset the CDN could not give (the API's own 401 before sign-in is not one).
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (problems)
                {
                    problems.Add(message.Text);
                }
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Url.StartsWith(cdnOrigin, StringComparison.Ordinal) && response.Status != 200)
            {
                lock (problems)
                {
                    problems.Add($"{response.Status} {response.Url}");
                }
            }
        };

        await page.GotoAsync("/");
        await page.FillAsync("#username", system.AdminUsername);
        await page.FillAsync("#password", system.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/app/");
        await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync($"{system.AdminUsername} (admin)");
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("Live updates: on");

        lock (assets)
        {
            // The sign-in page's and the dashboard's scripts and styles, the modules they import included.
            Assert.True(assets.Count >= 8, string.Join(", ", assets));
            Assert.All(assets, url => Assert.StartsWith(cdnOrigin + "/", url, StringComparison.Ordinal));
        }

        lock (problems)
        {
            Assert.Empty(problems);
        }
    }
}
