using System.Reflection;
using System.Text.RegularExpressions;
using Platform.Storage.Database;

namespace Platform.Storage.Migrations;

/// <summary>
/// One numbered SQL script of a component (a service's tables, or the audit), for one engine: the embedded resource
/// <c>migrations/{sqlite|postgresql}/NNNN_name.sql</c> of the component's assembly. Applied in number order, each once.
/// </summary>
public sealed partial record Migration(string Component, int Version, string Name, string Sql)
{
    public string Id => $"{Version:D4}_{Name}";

    /// <summary>The component's migrations for <paramref name="engine"/>, in order. A gap or a duplicate number is a build mistake and throws.</summary>
    public static IReadOnlyList<Migration> Load(Assembly assembly, string component, DatabaseEngine engine)
    {
        var prefix = $"migrations/{(engine == DatabaseEngine.PostgreSql ? "postgresql" : "sqlite")}/";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var match = FileName().Match(resource[prefix.Length..]);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Migration {resource} of {assembly.GetName().Name} is not named NNNN_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(component, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"The {component} migrations for {engine} must be numbered 1, 2, 3… without gaps; found {migrations[i].Id}.");
            }
        }

        return migrations;
    }

    [GeneratedRegex(@"\A(\d{4})_([a-z0-9_]+)\.sql\z")]
    private static partial Regex FileName();
}
