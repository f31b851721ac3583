using System.Text.Json;
using Gateway.Dashboard;
using Microsoft.Extensions.FileProviders;

namespace Gateway.Tests.Dashboard;

/// <summary>
/// The build writes the hashed assets beside the gateway (System.Tests' run-script tests check that the started gateway
/// serves exactly those).
/// </summary>
public sealed class BuiltAssetsTests
{
    [Fact]
    public async Task TheBuildsHashedAssets_AreWritten_AndAreWhatAStartWouldCompute()
    {
        var built = Path.Combine(Repository.Root, "Gateway", "bin", Repository.Configuration, "net10.0", DashboardAssets.BuildFolder);
        var manifest = JsonSerializer.Deserialize<Dictionary<string, string>>(
            await File.ReadAllTextAsync(Path.Combine(built, DashboardAssets.ManifestFile))
        )!;
        Assert.Contains("/app/js/app.js", manifest.Keys);
        foreach (var (path, name) in manifest)
        {
            Assert.True(File.Exists(Path.Combine(built, name.TrimStart('/'))), $"{path}: {name} was not written");
        }

        // The same names a gateway without the build's folder computes when it starts (a test host, say).
        using var webRoot = new PhysicalFileProvider(Path.Combine(Repository.Root, "Gateway", "wwwroot"));
        Assert.Equal(manifest.OrderBy(e => e.Key), DashboardAssets.Build(webRoot, null, built: null).HashedPaths.OrderBy(e => e.Key));
    }
}
