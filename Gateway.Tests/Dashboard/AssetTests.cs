using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Gateway.SecurityHeaders;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Dashboard;

/// <summary>The dashboard's scripts and styles under content-hashed names, cached for good; pages never stored; CDN_BASE_URL.</summary>
public sealed partial class AssetTests
{
    [Fact]
    public async Task Pages_LoadHashedAssets_CachedForAYear_WhilePagesAreNeverStored()
    {
        await using var host = await GatewayHost.StartAsync();
        using var client = host.CreateAnonymousClient();

        using var page = await client.GetAsync("/");
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        var stylesheet = HashedReference().Matches(html).Select(m => m.Value).Single(v => v.StartsWith("/css/site.", StringComparison.Ordinal));

        using var css = await client.GetAsync(stylesheet);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", css.Headers.CacheControl?.ToString());
        Assert.Equal("cross-origin", string.Join(",", css.Headers.GetValues("Cross-Origin-Resource-Policy")));
        var bytes = await css.Content.ReadAsByteArrayAsync();
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Repository.Root, "Gateway", "wwwroot", "css", "site.css")), bytes);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(bytes))[..10], stylesheet, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.OrdinalIgnoreCase);

        // A module's name covers its imports: the dashboard's entry module imports the others by their hashed names.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/app/");
        request.Headers.Add("Cookie", "__Host-session=" + host.Identity.Mint(role: "viewer"));
        using var dashboard = await client.SendAsync(request);
        var entry = HashedReference()
            .Matches(await dashboard.Content.ReadAsStringAsync())
            .Select(m => m.Value)
            .Single(v => v.StartsWith("/app/js/app.", StringComparison.Ordinal));
        var module = await client.GetStringAsync(entry);
        var session = ImportOf().Match(module);
        Assert.True(session.Success, "app.js imports session.js by its hashed name");
        using var imported = await client.GetAsync("/app/js/" + session.Groups[1].Value);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Equal("text/javascript", imported.Content.Headers.ContentType?.MediaType);

        using var unknown = await client.GetAsync("/css/site.0000000000.css");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task WithACdn_PagesLoadAssetsFromIt_AndThePolicyNamesItAndNothingElse()
    {
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string> { ["CDN_BASE_URL"] = "https://cdn.example.net/calls" });
        using var client = host.CreateAnonymousClient();
        using var page = await client.GetAsync("/");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Matches(
            @"href=""https://cdn\.example\.net/calls/css/site\.[0-9a-f]{10}\.css"" integrity=""sha384-[A-Za-z0-9+/]{64}"" crossorigin=""anonymous""",
            html
        );
        Assert.Matches(
            @"src=""https://cdn\.example\.net/calls/js/sign-in\.[0-9a-f]{10}\.js"" integrity=""sha384-[A-Za-z0-9+/]{64}"" crossorigin=""anonymous""",
            html
        );
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self' https://cdn.example.net;", policy, StringComparison.Ordinal);
        Assert.Contains("style-src 'self' https://cdn.example.net;", policy, StringComparison.Ordinal);
        Assert.Equal(SecurityHeadersMiddleware.ContentSecurityPolicy, policy.Replace(" https://cdn.example.net", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryScriptAndStyle_CarriesTheIntegrityOfTheBytesServed_AndEveryImportedModuleIsPreloadedWithIts()
    {
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string> { ["CDN_BASE_URL"] = "https://cdn.example.net" });
        using var client = host.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/app/");
        request.Headers.Add("Cookie", "__Host-session=" + host.Identity.Mint(role: "viewer"));
        using var dashboard = await client.SendAsync(request);
        var html = await dashboard.Content.ReadAsStringAsync();

        var references = Integrities().Matches(html).ToList();
        Assert.Contains(references, r => r.Groups["path"].Value.StartsWith("/app/js/app.", StringComparison.Ordinal));
        Assert.Contains(references, r => r.Groups["path"].Value.StartsWith("/app/js/session.", StringComparison.Ordinal)); // app.js imports it
        Assert.Contains(references, r => r.Groups["path"].Value.StartsWith("/app/css/app.", StringComparison.Ordinal));
        foreach (var reference in references)
        {
            var served = await client.GetByteArrayAsync(reference.Groups["path"].Value);
            Assert.Equal("sha384-" + Convert.ToBase64String(SHA384.HashData(served)), reference.Groups["integrity"].Value);
        }

        Assert.Equal(references.Count, html.Split("crossorigin=\"anonymous\"").Length - 1);
    }

    [GeneratedRegex(@"(?:src|href)=""https://cdn\.example\.net(?<path>/[^""]+)"" integrity=""(?<integrity>sha384-[^""]+)""")]
    private static partial Regex Integrities();

    [GeneratedRegex(@"/[a-z/-]+\.[0-9a-f]{10}\.(?:js|css)")]
    private static partial Regex HashedReference();

    [GeneratedRegex(@"from '\./(session\.[0-9a-f]{10}\.js)'")]
    private static partial Regex ImportOf();
}
