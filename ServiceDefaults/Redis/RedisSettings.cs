using System.Globalization;
using System.Net;
using ServiceDefaults.Configuration;
using StackExchange.Redis;

namespace ServiceDefaults.Redis;

/// <summary>
/// REDIS_URL: <c>redis://[[user]:password@]host:port[/db]</c>, or <c>rediss://</c> for TLS. Unset: every process keeps
/// its limits, events and revocations in memory, as one machine needs.
/// </summary>
public sealed record RedisSettings(ConfigurationOptions Options)
{
    public const string Variable = "REDIS_URL";

    /// <summary>Every key the platform writes starts with this, so a shared Redis keeps it apart.</summary>
    public const string KeyPrefix = "recordings-platform:";

    /// <summary>Where, for logs: never the password.</summary>
    public string Description =>
        string.Join(",", Options.EndPoints.Select(e => e is DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : e.ToString()))
        + (Options.Ssl ? " (TLS)" : "")
        + $" db {Options.DefaultDatabase ?? 0}";

    /// <returns>Null when REDIS_URL is unset (or invalid: then a problem is recorded).</returns>
    public static RedisSettings? Read(SettingsReader reader)
    {
        var value = reader.Raw(Variable);
        if (value is null)
        {
            return null;
        }

        var options = TryParse(value, out var problem);
        if (options is null)
        {
            reader.AddProblem($"{Variable} {problem}");
            return null;
        }

        return new RedisSettings(options);
    }

    public static ConfigurationOptions? TryParse(string value, out string? problem)
    {
        problem = null;
        if (
            !Uri.TryCreate(value, UriKind.Absolute, out var url)
            || (url.Scheme != "redis" && url.Scheme != "rediss")
            || string.IsNullOrEmpty(url.Host)
        )
        {
            problem = "must be redis://[:password@]host:port[/db] or rediss://… for TLS.";
            return null;
        }

        var database = 0;
        var path = url.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15))
        {
            problem = "names a database that is not a number from 0 to 15.";
            return null;
        }

        if (url.Query.Length > 1)
        {
            problem = "takes no query parameters.";
            return null;
        }

        var options = new ConfigurationOptions
        {
            Ssl = url.Scheme == "rediss",
            DefaultDatabase = database,
            // Start even when Redis is down, reconnect by itself, and fail a command at once while disconnected: the
            // callers fall back to what each process can do alone rather than wait.
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = 2000,
            AsyncTimeout = 1000,
            SyncTimeout = 1000,
            ClientName = AppDomain.CurrentDomain.FriendlyName,
        };
        options.EndPoints.Add(url.Host.Trim('[', ']'), url.IsDefaultPort || url.Port < 0 ? 6379 : url.Port);
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? "" : url.UserInfo[..colon]);
            options.User = user.Length == 0 ? null : user;
            options.Password = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[(colon + 1)..]);
        }

        return options;
    }
}
