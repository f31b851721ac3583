using System.Globalization;
using System.Net.Security;

namespace Bench;

internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                key = arg[2..];
                options._values[key] = "true";
            }
            else if (key is not null)
            {
                options._values[key] = arg;
                key = null;
            }
        }

        return options;
    }

    public string this[string name] => _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public string? Get(string name) => _values.GetValueOrDefault(name);

    /// <summary>The answer's status; 0 when the request failed, -1 when it timed out.</summary>
    public static async Task<int> StatusOfAsync(HttpClient client, HttpRequestMessage request)
    {
        try
        {
            using var response = await client.SendAsync(request);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        catch (TaskCanceledException)
        {
            return -1;
        }
    }

    /// <summary>An HTTP client for the local benchmark: the gateway's throw-away certificate is accepted.</summary>
    public static HttpClient Client(Uri baseAddress, int connections) =>
        new(
            new SocketsHttpHandler
            {
                MaxConnectionsPerServer = connections,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                UseCookies = false,
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null },
            }
        )
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
}

internal static class Stats
{
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];

    public static string Summary(List<double> values)
    {
        values.Sort();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"n={values.Count} p50={Percentile(values, 50):0.0}ms p90={Percentile(values, 90):0.0}ms "
                + $"p99={Percentile(values, 99):0.0}ms max={(values.Count > 0 ? values[^1] : double.NaN):0.0}ms"
        );
    }
}
