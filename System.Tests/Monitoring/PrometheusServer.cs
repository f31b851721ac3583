using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace System.Tests.Monitoring;

/// <summary>
/// A throw-away Prometheus (Debian's <c>prometheus</c>) on a free loopback port with its own storage, scraping the given
/// targets every second by job and evaluating the given rule file every second.
/// </summary>
public sealed partial class PrometheusServer : IAsyncDisposable
{
    private readonly TemporaryDirectory _directory;
    private readonly PortReservation _port;
    private readonly RunningProcess _process;

    private PrometheusServer(TemporaryDirectory directory, PortReservation port, RunningProcess process)
    {
        _directory = directory;
        _port = port;
        _process = process;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public HttpClient Client { get; }

    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, IEnumerable<Uri>> jobs, string ruleFile)
    {
        var directory = TemporaryDirectory.Create("prometheus-");
        var port = PortReservation.Reserve();
        File.Copy(ruleFile, Path.Combine(directory.Path, "alerts.yml"));
        var configuration = string.Join(
            "\n",
            [
                "global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s }",
                "rule_files: [alerts.yml]",
                "scrape_configs:",
                .. jobs.Select(job =>
                    $"  - job_name: {job.Key}\n"
                    + $"    static_configs: [{{ targets: [{string.Join(", ", job.Value.Select(url => $"'{url.Authority}'"))}] }}]"
                ),
            ]
        );
        var configurationFile = Path.Combine(directory.Path, "prometheus.yml");
        await File.WriteAllTextAsync(configurationFile, configuration + "\n");
        var process = RunningProcess.Start(
            "prometheus",
            [
                $"--config.file={configurationFile}",
                $"--storage.tsdb.path={Path.Combine(directory.Path, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
            ]
        );
        var server = new PrometheusServer(directory, port, process);
        await process.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>An instant query; throws with Prometheus's own error when the expression does not parse.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string expression)
    {
        using var response = await Client.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(expression));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"{expression}: {body.GetProperty("error").GetString()}");
        }

        return
        [
            .. body.GetProperty("data")
                .GetProperty("result")
                .EnumerateArray()
                .Select(series =>
                    (
                        (IReadOnlyDictionary<string, string>)
                            series
                                .GetProperty("metric")
                                .EnumerateObject()
                                .ToDictionary(label => label.Name, label => label.Value.GetString()!, StringComparer.Ordinal),
                        double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)
                    )
                ),
        ];
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _process.DisposeAsync();
        _port.Dispose();
        _directory.Dispose();
    }

    [GeneratedRegex("Server is ready to receive web requests")]
    private static partial Regex ReadyLine();
}
