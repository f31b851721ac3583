using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ServiceDefaults.Configuration;

/// <summary>
/// Reads settings by their environment-variable names and collects every problem instead of stopping at
/// the first, so an operator sees the whole list at once.
/// </summary>
public sealed class SettingsReader(IConfiguration configuration, IHostEnvironment environment)
{
    private readonly List<string> _problems = [];

    public IHostEnvironment Environment { get; } = environment;

    /// <summary>
    /// True unless ASPNETCORE_ENVIRONMENT is Development: Staging, a typo or any other name gets Production's rules
    /// (required secrets, no development fallbacks), never the development conveniences.
    /// </summary>
    public bool IsProduction => !Environment.IsDevelopment();

    public IReadOnlyList<string> Problems => _problems;

    public void AddProblem(string problem) => _problems.Add(problem);

    /// <summary>The raw, trimmed value, or null when unset or blank.</summary>
    public string? Raw(string name)
    {
        var value = configuration[name];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>A string that must be present in every environment.</summary>
    public string? Required(string name, string hint)
    {
        var value = Raw(name);
        if (value is null)
        {
            _problems.Add($"{name} is required ({hint}).");
        }

        return value;
    }

    /// <summary>A string that must be present in Production; <paramref name="fallback"/> elsewhere.</summary>
    public string? RequiredInProduction(string name, string? fallback = null, string? hint = null)
    {
        var value = Raw(name);
        if (value is not null)
        {
            return value;
        }

        if (IsProduction)
        {
            _problems.Add($"{name} is required{(hint is null ? "" : $" ({hint})")}.");
            return null;
        }

        return fallback;
    }

    public int Number(string name, int fallback, int min, int max)
    {
        var value = Raw(name);
        if (value is null)
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
        {
            _problems.Add($"{name} must be a whole number from {min} to {max} (got \"{Shorten(value)}\").");
            return fallback;
        }

        return parsed;
    }

    /// <summary>"true" or "false" (any case); anything else is a problem, not a silent default.</summary>
    public bool Flag(string name, bool fallback)
    {
        var value = Raw(name);
        if (value is null)
        {
            return fallback;
        }

        if (!bool.TryParse(value.Trim(), out var parsed))
        {
            _problems.Add($"{name} must be true or false (got \"{Shorten(value)}\").");
            return fallback;
        }

        return parsed;
    }

    /// <summary>A comma-separated list; blank entries are ignored.</summary>
    public IReadOnlyList<string> List(string name, IReadOnlyList<string>? fallback = null)
    {
        var value = Raw(name);
        if (value is null)
        {
            return fallback ?? [];
        }

        return value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Absolute http(s) URLs, at least one.</summary>
    public IReadOnlyList<Uri> Urls(string name, IReadOnlyList<string> fallback)
    {
        var entries = List(name, fallback);
        var urls = new List<Uri>();
        foreach (var entry in entries)
        {
            if (IsHttpUrl(entry, out var uri))
            {
                urls.Add(uri);
            }
            else
            {
                _problems.Add($"{name} has \"{Shorten(entry)}\", which is not an absolute http(s) URL without query or credentials.");
            }
        }

        if (entries.Count == 0)
        {
            _problems.Add($"{name} must list at least one URL.");
        }

        return urls;
    }

    /// <summary>One absolute http(s) URL.</summary>
    public Uri Url(string name, Uri fallback)
    {
        var value = Raw(name);
        if (value is null)
        {
            return fallback;
        }

        if (value.Contains(',', StringComparison.Ordinal))
        {
            _problems.Add($"{name} takes one URL, not a list.");
            return fallback;
        }

        var urls = Urls(name, []);
        return urls.Count > 0 ? urls[0] : fallback;
    }

    /// <summary>Exact origins (<c>scheme://host[:port]</c>, no path), as browsers send them in <c>Origin</c>.</summary>
    public IReadOnlyList<string> Origins(string name, bool requiredInProduction)
    {
        var entries = List(name);
        if (entries.Count == 0 && requiredInProduction && IsProduction)
        {
            _problems.Add($"{name} is required (comma-separated origins such as https://calls.example.com).");
        }

        var origins = new List<string>();
        foreach (var entry in entries)
        {
            if (IsHttpUrl(entry, out var uri) && uri.AbsolutePath == "/" && !entry.EndsWith('/'))
            {
                origins.Add(uri.GetLeftPart(UriPartial.Authority));
            }
            else
            {
                _problems.Add(
                    $"{name} has \"{Shorten(entry)}\", which is not an exact origin like https://calls.example.com (no path, no wildcard)."
                );
            }
        }

        return origins;
    }

    /// <summary>IP addresses or CIDR ranges.</summary>
    public IReadOnlyList<IPNetwork> Networks(string name, IReadOnlyList<string>? fallback = null)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in List(name, fallback))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                _problems.Add($"{name} has \"{Shorten(entry)}\", which is neither an IP address nor a CIDR range.");
            }
        }

        return networks;
    }

    /// <summary>A path to a file that must exist and be readable.</summary>
    public string? ExistingFile(string name, string? fallback, bool requiredInProduction, string hint)
    {
        var path = requiredInProduction ? RequiredInProduction(name, fallback, hint) : Raw(name) ?? fallback;
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            _problems.Add(
                Raw(name) is null
                    ? $"{name} is not set and the default {path} does not exist ({hint})."
                    : $"{name} points to {path}, which does not exist."
            );
            return null;
        }

        return path;
    }

    /// <summary>
    /// PUBLIC_BASE_URL: the gateway's public origin (what Twilio and browsers call), absolute http(s) without query or
    /// credentials; required in Production, https://localhost:4000 (the local run) in Development. Anything a
    /// service writes about its public address comes from here, never from a request's Host.
    /// </summary>
    public Uri PublicBaseUrl(string hint)
    {
        var fallback = new Uri("https://localhost:4000");
        var value = RequiredInProduction("PUBLIC_BASE_URL", fallback.ToString(), hint);
        if (value is null)
        {
            return new Uri("https://invalid.example");
        }

        if (IsHttpUrl(value, out var parsed))
        {
            return parsed;
        }

        _problems.Add("PUBLIC_BASE_URL must be an absolute https URL such as https://calls.example.com (no query).");
        return fallback;
    }

    /// <summary>
    /// Every address Kestrel will listen on: the <c>Kestrel:Endpoints</c> section's URLs, which take precedence, else
    /// ASPNETCORE_URLS or <c>--urls</c> (';'-separated), else <paramref name="fallback"/> (what the service passes to
    /// <c>UseDefaultUrl</c>, which also overrides ASPNETCORE_HTTP_PORTS).
    /// </summary>
    public IReadOnlyList<string> ListeningUrls(string fallback)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"]).OfType<string>().ToList();
        if (endpoints.Count > 0)
        {
            return endpoints;
        }

        return Raw("urls")?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [fallback];
    }

    /// <summary>The one URL rule: absolute, http or https, no query, no credentials.</summary>
    private static bool IsHttpUrl(string value, out Uri uri) =>
        Uri.TryCreate(value, UriKind.Absolute, out uri!)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && string.IsNullOrEmpty(uri.Query)
        && string.IsNullOrEmpty(uri.UserInfo);

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";

    /// <summary>DATA_DIR (default <c>./data</c>), created if missing; a problem when it cannot be created or written.</summary>
    public string DataDirectory()
    {
        var path = Path.GetFullPath(Raw("DATA_DIR") ?? "data");
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-test-{System.Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _problems.Add($"DATA_DIR {path} cannot be created or written: {ex.Message}");
        }

        return path;
    }
}
