using System.Text.RegularExpressions;

namespace System.Tests.Documentation;

/// <summary>
/// The README stays a five-minute read, every link in the documentation leads somewhere, and docs/configuration.md
/// names exactly the variables the code reads.
/// </summary>
public sealed partial class DocumentationTests
{
    private static readonly string[] CodeProjects =
    [
        "Gateway",
        "AuthService",
        "RecordingsService",
        "ServiceDefaults",
        "Platform.Security",
        "Platform.Storage",
        "Demo",
    ];

    // All-capital string literals passed to a method or an indexer that are not setting names.
    private static readonly string[] NotSettings = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "RIFF"];

    [Fact]
    public void TheReadme_IsUnder200Lines()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "README.md")).Length;
        Assert.True(lines < 200, $"README.md has {lines} lines");
    }

    [Fact]
    public void EveryLink_LeadsToAFileAndHeadingThatExist()
    {
        var broken = new List<string>();
        foreach (var document in Documents())
        {
            var directory = Path.GetDirectoryName(document)!;
            foreach (Match link in Link().Matches(File.ReadAllText(document)))
            {
                var target = link.Groups["target"].Value;
                if (Uri.TryCreate(target, UriKind.Absolute, out _))
                {
                    continue;
                }

                var (path, fragment) = target.Split('#', 2) is [var p, var f] ? (p, f) : (target, null);
                var file = path.Length == 0 ? document : Path.GetFullPath(Path.Combine(directory, path));
                if (!File.Exists(file) && !Directory.Exists(file))
                {
                    broken.Add($"{Relative(document)}: {target} (no such file)");
                }
                else if (fragment is not null && file.EndsWith(".md", StringComparison.Ordinal) && !Anchors(file).Contains(fragment))
                {
                    broken.Add($"{Relative(document)}: {target} (no such heading)");
                }
            }
        }

        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Fact]
    public void TheConfigurationReference_NamesExactlyTheVariablesTheCodeReads()
    {
        var read = CodeProjects
            .SelectMany(project => Directory.EnumerateFiles(Path.Combine(Repository.Root, project), "*.cs", SearchOption.AllDirectories))
            .Where(path =>
                !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            )
            .SelectMany(path => SettingRead().Matches(File.ReadAllText(path)))
            .Select(match => match.Groups.Values.Skip(1).First(group => group.Success).Value)
            .Where(name => !NotSettings.Contains(name))
            .ToHashSet(StringComparer.Ordinal);
        // The first column of every table row: `NAME` or `NAME`, `OTHER`.
        var documented = File.ReadLines(Path.Combine(Repository.Root, "docs", "configuration.md"))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(line => BacktickedName().Matches(line.Split('|')[1]).Select(match => match.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(read.Count > 50, $"only {read.Count} variables found: the pattern does not match how the code reads settings");
        Assert.Empty(read.Except(documented).Order(StringComparer.Ordinal));
        Assert.Empty(documented.Except(read).Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> Documents() =>
        [
            Path.Combine(Repository.Root, "README.md"),
            Path.Combine(Repository.Root, "bench", "README.md"),
            .. Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md"),
        ];

    // GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens; headings in code blocks are not headings.
    private static HashSet<string> Anchors(string file)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var inCode = false;
        foreach (var line in File.ReadLines(file))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
            }
            else if (!inCode && Heading().Match(line) is { Success: true } heading)
            {
                anchors.Add(NotInAnchor().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-'));
            }
        }

        return anchors;
    }

    private static string Relative(string path) => Path.GetRelativePath(Repository.Root, path);

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\w\- ]")]
    private static partial Regex NotInAnchor();

    // A setting read by name: SettingsReader's methods and the demo's (Raw("X"), Number("X", …), Required("X")…),
    // configuration["X"], and a settings type's `Variable = "X"`.
    [GeneratedRegex(@"\b[A-Z]\w*\(\s*""([A-Z][A-Z0-9_]{2,})""|\[\s*""([A-Z][A-Z0-9_]{2,})""\s*\]|Variable\s*=\s*""([A-Z][A-Z0-9_]{2,})""")]
    private static partial Regex SettingRead();

    [GeneratedRegex("`([A-Z][A-Z0-9_]+)`")]
    private static partial Regex BacktickedName();
}
