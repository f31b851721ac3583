using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Platform.Storage.Database;

namespace Platform.Storage.Migrations;

/// <summary>
/// One numbered SQL script of a component (a service's tables, or the audit): the embedded resource
/// <c>migrations/NNNN_name.sql</c> of the component's assembly, one list for both engines. Where the engines need
/// different SQL, the step is two files instead, <c>NNNN_name.sqlite.sql</c> and <c>NNNN_name.postgresql.sql</c>, so
/// a new column is written once and only a real difference is written twice. Applied in number order, each once.
/// </summary>
public sealed partial record Migration(string Component, int Version, string Name, string Sql)
{
    public string Id => $"{Version:D4}_{Name}";

    /// <summary>
    /// The component's migrations for <paramref name="engine"/>, in order. A gap or a duplicate number, a step written
    /// both for both engines and for one, or for one engine only, is a build mistake and throws.
    /// </summary>
    public static IReadOnlyList<Migration> Load(Assembly assembly, string component, DatabaseEngine engine)
    {
        const string prefix = "migrations/";
        var wanted = engine == DatabaseEngine.PostgreSql ? "postgresql" : "sqlite";
        var files = new List<(int Version, string Name, string? Engine, string Resource)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var match = FileName().Match(resource[prefix.Length..]);
            if (!match.Success)
            {
                throw new InvalidOperationException(
                    $"Migration {resource} of {assembly.GetName().Name} is not named NNNN_name.sql or NNNN_name.{{sqlite|postgresql}}.sql."
                );
            }

            files.Add(
                (
                    int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                    match.Groups[2].Value,
                    match.Groups[3].Success ? match.Groups[3].Value : null,
                    resource
                )
            );
        }

        var migrations = new List<Migration>();
        foreach (var step in files.GroupBy(file => file.Version).OrderBy(step => step.Key))
        {
            var shared = step.Where(file => file.Engine is null).ToList();
            var own = step.Where(file => file.Engine == wanted).ToList();
            var other = step.Where(file => file.Engine is not null && file.Engine != wanted).ToList();
            if (
                step.Select(file => file.Name).Distinct(StringComparer.Ordinal).Count() > 1
                || shared.Count > 1
                || own.Count > 1
                || (shared.Count == 1 && (own.Count > 0 || other.Count > 0))
                || (shared.Count == 0 && (own.Count != 1 || other.Count != 1))
            )
            {
                throw new InvalidOperationException(
                    $"The {component} migration {step.Key:D4} must be one file for both engines, or one for each: "
                        + $"found {string.Join(", ", step.Select(file => file.Resource[prefix.Length..]))}."
                );
            }

            var chosen = shared.Count == 1 ? shared[0] : own[0];
            using var stream = assembly.GetManifestResourceStream(chosen.Resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(component, step.Key, chosen.Name, reader.ReadToEnd()));
        }

        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"The {component} migrations must be numbered 1, 2, 3… without gaps; found {migrations[i].Id}.");
            }
        }

        return migrations;
    }

    [GeneratedRegex(@"\A(\d{4})_([a-z0-9_]+)(?:\.(sqlite|postgresql))?\.sql\z")]
    private static partial Regex FileName();
}
