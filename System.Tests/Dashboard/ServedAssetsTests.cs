using System.Tests.Browser;
using System.Text.Json;

namespace System.Tests.Dashboard;

/// <summary>The gateway run.sh starts serves the hashed dashboard assets the build wrote beside it, byte for byte.</summary>
[Collection(RunScriptGroup.Name)]
public sealed class ServedAssetsTests(BrowserFixture fixture)
{
    // Where the build writes them (Gateway/Dashboard/DashboardAssets.cs: BuildFolder and ManifestFile).
    private static string Built => Path.Combine(Repository.Root, "Gateway", "bin", Repository.Configuration, "net10.0", "dashboard-assets");

    [Fact]
    public async Task TheRunningGateway_ServesTheBuildsHashedAssets()
    {
        var manifest = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(Path.Combine(Built, "manifest.json")))!;

        using var client = fixture.System.Client();
        var page = await client.GetStringAsync("/");
        Assert.Contains($"src=\"{manifest["/js/sign-in.js"]}\"", page, StringComparison.Ordinal);
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(Built, manifest["/app/js/app.js"].TrimStart('/'))),
            await client.GetByteArrayAsync(manifest["/app/js/app.js"])
        );
    }
}
