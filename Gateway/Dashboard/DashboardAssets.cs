using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Gateway.Dashboard;

/// <summary>
/// The dashboard's scripts, styles and images under content-hashed names (<c>/app/js/app.3f2a1b9c0d.js</c>), and its
/// pages rewritten to load them, from <see cref="CdnBaseUrl"/> when one is set. A module's name covers the names of
/// the modules it imports (they are rewritten first), so a change anywhere renames everything that depends on it.
/// The build writes them (<c>fingerprint-assets</c>, run by Gateway.csproj after build and publish) into
/// <see cref="BuildFolder"/> beside the gateway's assembly, with a manifest; the gateway serves those. Without that
/// folder (a test host run from another project's output) it computes the same names from wwwroot when it starts.
/// </summary>
internal sealed partial class DashboardAssets
{
    /// <summary>A hashed asset: its bytes and content type.</summary>
    public sealed record Asset(byte[] Content, string ContentType);

    /// <summary>Beside the gateway's assembly: the hashed files under their paths, and <see cref="ManifestFile"/>.</summary>
    public const string BuildFolder = "dashboard-assets";
    public const string ManifestFile = "manifest.json";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private DashboardAssets(
        Uri? cdnBaseUrl,
        Dictionary<string, Asset> assets,
        Dictionary<string, string> hashedPaths,
        Dictionary<string, byte[]> pages
    )
    {
        CdnBaseUrl = cdnBaseUrl;
        Assets = assets;
        HashedPaths = hashedPaths;
        Pages = pages;
    }

    public Uri? CdnBaseUrl { get; }

    /// <summary>By hashed path (<c>/css/site.0a1b2c3d4e.css</c>).</summary>
    public IReadOnlyDictionary<string, Asset> Assets { get; }

    /// <summary>Each asset's path to its hashed path.</summary>
    public IReadOnlyDictionary<string, string> HashedPaths { get; }

    /// <summary>Each page (<c>/index.html</c>, <c>/app/index.html</c>) as served: its asset references hashed.</summary>
    public IReadOnlyDictionary<string, byte[]> Pages { get; }

    /// <param name="built">The build's folder (<see cref="BuildFolder"/>); used when it holds a manifest.</param>
    public static DashboardAssets Build(IFileProvider files, Uri? cdnBaseUrl, string? built)
    {
        var all = DashboardExtensions.Files(files, "").ToDictionary(path => "/" + path, path => Read(files, path), StringComparer.Ordinal);
        var manifest = built is null ? null : Path.Combine(built, ManifestFile);
        var (hashed, assets) = manifest is not null && File.Exists(manifest) ? Load(built!, manifest) : Fingerprint(all);
        var prefix = cdnBaseUrl?.ToString().TrimEnd('/') ?? "";
        var pages = all.Where(file => file.Key.EndsWith(".html", StringComparison.Ordinal))
            .ToDictionary(
                file => file.Key,
                file => Encoding.UTF8.GetBytes(RewritePage(Encoding.UTF8.GetString(file.Value), hashed, assets, prefix)),
                StringComparer.Ordinal
            );
        return new DashboardAssets(cdnBaseUrl, assets, hashed, pages);
    }

    /// <summary>
    /// A page's references to assets under their hashed names (from <paramref name="prefix"/>, the CDN). Scripts and
    /// styles carry Subresource Integrity (sha384 of the very bytes served) and <c>crossorigin</c>, so a CDN that
    /// serves anything else is refused by the browser; the modules a page's scripts import are preloaded with their
    /// own integrity, which the browser's module map then holds their imports to.
    /// </summary>
    private static string RewritePage(string page, Dictionary<string, string> hashed, Dictionary<string, Asset> assets, string prefix)
    {
        var imported = new SortedSet<string>(StringComparer.Ordinal);
        var rewritten = PageReference()
            .Replace(page, match =>
            {
                if (!hashed.TryGetValue(match.Groups["path"].Value, out var name))
                {
                    return match.Value;
                }

                var reference = $"{match.Groups["attribute"].Value}=\"{prefix}{name}\"";
                if (!name.EndsWith(".js", StringComparison.Ordinal) && !name.EndsWith(".css", StringComparison.Ordinal))
                {
                    return reference;
                }

                if (name.EndsWith(".js", StringComparison.Ordinal))
                {
                    AddImports(name, assets, imported);
                }

                return $"{reference} integrity=\"{Integrity(assets[name].Content)}\" crossorigin=\"anonymous\"";
            });
        if (imported.Count == 0)
        {
            return rewritten;
        }

        var preloads = string.Concat(
            imported.Select(name =>
                $"<link rel=\"modulepreload\" href=\"{prefix}{name}\" integrity=\"{Integrity(assets[name].Content)}\" crossorigin=\"anonymous\">\n  "
            )
        );
        // Before the first script, so the preloads are in the module map before any import asks for a module.
        var at = rewritten.IndexOf("<script", StringComparison.Ordinal);
        return at < 0 ? rewritten : rewritten[..at] + preloads + rewritten[at..];
    }

    /// <summary>Every module <paramref name="module"/> (a hashed path) imports, directly or not.</summary>
    private static void AddImports(string module, Dictionary<string, Asset> assets, SortedSet<string> imported)
    {
        var folder = module[..(module.LastIndexOf('/') + 1)];
        foreach (Match match in RelativeImport().Matches(Encoding.UTF8.GetString(assets[module].Content)))
        {
            var target = Resolve(folder, match.Groups["path"].Value);
            if (assets.ContainsKey(target) && imported.Add(target))
            {
                AddImports(target, assets, imported);
            }
        }
    }

    private static string Integrity(byte[] content) => "sha384-" + Convert.ToBase64String(SHA384.HashData(content));

    /// <summary>What the build runs (<c>dotnet Gateway.dll fingerprint-assets WWWROOT DESTINATION</c>): the hashed files and the manifest.</summary>
    public static void Write(string webRoot, string destination)
    {
        using var files = new PhysicalFileProvider(Path.GetFullPath(webRoot));
        var all = DashboardExtensions.Files(files, "").ToDictionary(path => "/" + path, path => Read(files, path), StringComparer.Ordinal);
        var (hashed, assets) = Fingerprint(all);
        if (Directory.Exists(destination))
        {
            Directory.Delete(destination, recursive: true); // no name of an earlier build stays served
        }

        foreach (var (path, asset) in assets)
        {
            var file = Path.Combine(destination, path.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, asset.Content);
        }

        File.WriteAllText(
            Path.Combine(destination, ManifestFile),
            JsonSerializer.Serialize(new SortedDictionary<string, string>(hashed, StringComparer.Ordinal))
        );
    }

    private static (Dictionary<string, string> Hashed, Dictionary<string, Asset> Assets) Load(string built, string manifest)
    {
        var hashed = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(manifest))!;
        var assets = hashed.Values.ToDictionary(
            name => name,
            name => new Asset(
                File.ReadAllBytes(Path.Combine(built, name.TrimStart('/'))),
                ContentTypes.TryGetContentType(name, out var type) ? type : "application/octet-stream"
            ),
            StringComparer.Ordinal
        );
        return (new Dictionary<string, string>(hashed, StringComparer.Ordinal), assets);
    }

    private static (Dictionary<string, string> Hashed, Dictionary<string, Asset> Assets) Fingerprint(Dictionary<string, byte[]> all)
    {
        var hashed = new Dictionary<string, string>(StringComparer.Ordinal);
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);

        string HashedPathOf(string path, HashSet<string> visiting)
        {
            if (hashed.TryGetValue(path, out var done))
            {
                return done;
            }

            if (!visiting.Add(path))
            {
                throw new InvalidOperationException($"The dashboard's modules import each other in a cycle through {path}.");
            }

            var content = all[path];
            if (path.EndsWith(".js", StringComparison.Ordinal))
            {
                // Relative imports point at the imported module's hashed name (resolved from this module's folder).
                var folder = path[..(path.LastIndexOf('/') + 1)];
                var text = RelativeImport()
                    .Replace(Encoding.UTF8.GetString(content), match =>
                    {
                        var target = Resolve(folder, match.Groups["path"].Value);
                        if (!all.ContainsKey(target))
                        {
                            throw new InvalidOperationException(
                                $"{path} imports {match.Groups["path"].Value}, which is not a file of the dashboard."
                            );
                        }

                        var name = HashedPathOf(target, visiting);
                        return match.Groups["before"].Value + "./" + Relative(folder, name) + match.Groups["quote"].Value;
                    });
                content = Encoding.UTF8.GetBytes(text);
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(content))[..10];
            var dot = path.LastIndexOf('.');
            var result = $"{path[..dot]}.{hash}{path[dot..]}";
            assets[result] = new Asset(content, ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream");
            hashed[path] = result;
            visiting.Remove(path);
            return result;
        }

        foreach (var path in all.Keys.Where(path => !path.EndsWith(".html", StringComparison.Ordinal)))
        {
            HashedPathOf(path, []);
        }

        return (hashed, assets);
    }

    private static string Resolve(string folder, string relative)
    {
        var parts = folder.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var part in relative.Split('/'))
        {
            if (part == "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }

    // From a module's folder to a file in the same folder or below (the dashboard's modules import only siblings).
    private static string Relative(string folder, string path) =>
        path.StartsWith(folder, StringComparison.Ordinal)
            ? path[folder.Length..]
            : throw new InvalidOperationException($"{path} is not below {folder}.");

    private static byte[] Read(IFileProvider files, string path)
    {
        using var stream = files.GetFileInfo(path).CreateReadStream();
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    // import … from './x.js', import './x.js', import('./x.js'): relative specifiers only.
    [GeneratedRegex(@"(?<before>(?:\bfrom|\bimport)\s*\(?\s*(?<quote>['""]))(?<path>\.{1,2}/[^'""]+\.js)\k<quote>")]
    private static partial Regex RelativeImport();

    // src="/…" and href="/…" in a page: the site's own absolute paths.
    [GeneratedRegex(@"(?<attribute>\b(?:src|href))=""(?<path>/[^""?#]+)""")]
    private static partial Regex PageReference();
}
