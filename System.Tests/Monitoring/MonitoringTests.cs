using System.Net;
using System.Net.Http.Json;
using System.Tests.Infrastructure;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace System.Tests.Monitoring;

/// <summary>
/// What an operator's Prometheus and Grafana see: every process of the multi-replica system serves metrics that
/// promtool accepts; a real Prometheus scrapes them all, loads deploy/monitoring/alerts.yml and evaluates every rule
/// without error; every query of the alerts and the Grafana dashboard parses and names only metrics the processes
/// serve.
/// </summary>
[Collection(WholeSystem.Name)]
[Trait(RunsAlone.Trait, RunsAlone.Value)]
public sealed partial class MonitoringTests
{
    private static readonly string Monitoring = Path.Combine(Repository.Root, "deploy", "monitoring");

    // The prefixes of the metrics the platform serves; any name in a query with one of them must be served.
    private static readonly string[] OurPrefixes = ["http_", "dotnet_", "process_", "gateway_", "auth_", "recordings_", "tls_", "redis_", "kestrel_"];

    [Fact]
    public async Task EveryProcess_IsScraped_AndTheAlertsAndDashboardReadWhatItServes()
    {
        await using var system = await ReplicatedSystem.StartAsync();
        await using var dashboard = await MakeTrafficAsync(system);

        // Every process's scrape output is valid Prometheus text.
        var served = new HashSet<string>(StringComparer.Ordinal);
        using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (name, url) in system.MetricsUrls)
        {
            var text = await scraper.GetStringAsync(url);
            var check = await Processes.RunAsync("promtool", ["check", "metrics"], text);
            // Exit 1 is text Prometheus cannot parse; 3 is style notes. The only note allowed is the one OpenTelemetry's
            // semantic-convention names draw (process.thread.count, dotnet.timer.count, …: gauges ending in _count).
            var notes = (check.StandardOutput + check.StandardError).Split(
                '\n',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
            );
            Assert.True(check.ExitCode is 0 or 3, $"{name}: promtool check metrics exited {check.ExitCode}: {string.Join('\n', notes)}");
            Assert.All(notes, note =>
                Assert.EndsWith("non-histogram and non-summary metrics should not have \"_count\" suffix", note, StringComparison.Ordinal)
            );
            foreach (Match family in TypeLine().Matches(text))
            {
                var metric = family.Groups["name"].Value;
                served.Add(metric);
                if (family.Groups["type"].Value == "histogram")
                {
                    served.UnionWith([metric + "_bucket", metric + "_count", metric + "_sum"]);
                }
            }
        }

        Assert.Contains("recordings_webhook_spool_depth", served);
        Assert.Contains("recordings_live_clients", served);
        Assert.Contains("redis_connected", served);

        var jobs = system
            .MetricsUrls.GroupBy(process => process.Key.Split('-')[0], StringComparer.Ordinal)
            .ToDictionary(job => job.Key, job => job.Select(process => process.Value), StringComparer.Ordinal);
        await using var prometheus = await PrometheusServer.StartAsync(jobs, Path.Combine(Monitoring, "alerts.yml"));

        await Wait.UntilAsync(
            async () => (await prometheus.QueryAsync("up == 1")).Count == 6,
            TimeSpan.FromSeconds(30),
            "Prometheus scrapes all six processes"
        );
        var healthy = await prometheus.QueryAsync("gateway_cluster_healthy_destinations");
        Assert.Equal(4, healthy.Count); // two gateways, two clusters
        Assert.All(healthy, series => Assert.Equal(2, series.Value));
        Assert.True((await prometheus.QueryAsync("sum(auth_sign_in_failures_total)")).Single().Value >= 1);
        Assert.True((await prometheus.QueryAsync("sum(recordings_webhook_auth_failures_total)")).Single().Value >= 1);
        Assert.True((await prometheus.QueryAsync("sum(recordings_webhook_received_total{outcome=\"stored\"})")).Single().Value >= 1);

        // Every alert is evaluated against real series without error. The system's certificate is valid for two days:
        // that alert is on its way (pending for an hour before it fires); a healthy system trips no other.
        var rules = new List<(string Name, string Health, string State)>();
        await Wait.UntilAsync(
            async () =>
            {
                rules = await RulesAsync(prometheus);
                return rules.All(rule => rule.Health == "ok") && rules.Any(rule => rule.State != "inactive");
            },
            TimeSpan.FromSeconds(30),
            "every alerting rule has been evaluated"
        );
        Assert.Equal(8, rules.Count);
        Assert.Equal([("CertificateExpiresSoon", "pending")], rules.Where(rule => rule.State != "inactive").Select(rule => (rule.Name, rule.State)));

        var queries = AlertExpressions().Concat(DashboardExpressions()).ToList();
        Assert.True(queries.Count >= 20, $"{queries.Count} queries found");
        foreach (var query in queries)
        {
            await prometheus.QueryAsync(query); // throws with Prometheus's message when it does not parse
            // Label matchers and grouping clauses name labels, not metrics: left out of the check.
            var selectors = LabelsAndGrouping().Replace(query, " ");
            foreach (var metric in MetricName().Matches(selectors).Select(match => match.Value).Where(name => OurPrefixes.Any(name.StartsWith)))
            {
                Assert.True(served.Contains(metric), $"{metric} (in {query}) is served by no process");
            }
        }
    }

    [Fact]
    public async Task TheKubernetesScrapeConfiguration_IsValid()
    {
        // Debian's Prometheus is built without Kubernetes discovery: the rest of the file (rules, relabelling) is
        // checked with the discovery block swapped for a static one.
        using var directory = TemporaryDirectory.Create("prometheus-config-");
        var configuration = await File.ReadAllTextAsync(Path.Combine(Monitoring, "prometheus.yml"));
        Assert.Contains("kubernetes_sd_configs:\n      - role: pod\n", configuration, StringComparison.Ordinal);
        await File.WriteAllTextAsync(
            Path.Combine(directory.Path, "prometheus.yml"),
            configuration.Replace(
                "kubernetes_sd_configs:\n      - role: pod\n",
                "static_configs:\n      - targets: ['127.0.0.1:9090']\n",
                StringComparison.Ordinal
            )
        );
        File.Copy(Path.Combine(Monitoring, "alerts.yml"), Path.Combine(directory.Path, "alerts.yml"));

        var check = await Processes.RunAsync("promtool", ["check", "config", Path.Combine(directory.Path, "prometheus.yml")]);

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        Assert.Contains("SUCCESS: 8 rules found", check.StandardOutput, StringComparison.Ordinal);
    }

    // A sign-in, a refused sign-in, a live dashboard, a stored callback, a forged one, a list: each platform metric has
    // a series. The dashboard stays connected until the test ends.
    private static async Task<LiveDashboard> MakeTrafficAsync(ReplicatedSystem system)
    {
        using var client = ReplicatedSystem.Client(system.Gateways[0]);
        using var refused = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "not-the-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var token = await ReplicatedSystem.SignInAsync(system.Gateways[0]);
        var dashboard = LiveDashboard.Open(system.Gateways[0], token);
        await dashboard.Connected.WaitAsync(TimeSpan.FromSeconds(30));
        var stored = ReplicatedSystem.NewRecordingSid();
        using (var callback = await client.SendAsync(system.Callback(stored)))
        {
            Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        }

        using (var forged = await client.SendAsync(system.Callback(ReplicatedSystem.NewRecordingSid(), authToken: "forged")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        using var list = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
        list.Headers.Authorization = new("Bearer", token);
        using var listed = await client.SendAsync(list);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        await Wait.UntilAsync(() => dashboard.Seen.ContainsKey(stored), TimeSpan.FromSeconds(10), "the dashboard is told of the stored callback");
        return dashboard;
    }

    private static async Task<List<(string Name, string Health, string State)>> RulesAsync(PrometheusServer prometheus)
    {
        var body = await prometheus.Client.GetFromJsonAsync<JsonElement>("/api/v1/rules");
        return
        [
            .. body.GetProperty("data")
                .GetProperty("groups")
                .EnumerateArray()
                .SelectMany(group => group.GetProperty("rules").EnumerateArray())
                .Select(rule =>
                    (rule.GetProperty("name").GetString()!, rule.GetProperty("health").GetString()!, rule.GetProperty("state").GetString()!)
                ),
        ];
    }

    private static IEnumerable<string> AlertExpressions()
    {
        // Each rule's expr is one line, or a block (`expr: |`) indented under it.
        var lines = File.ReadAllLines(Path.Combine(Monitoring, "alerts.yml"));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line == "expr: |")
            {
                var block = lines.Skip(i + 1).TakeWhile(next => next.StartsWith("          ", StringComparison.Ordinal)).Select(next => next.Trim());
                yield return string.Join(" ", block);
            }
            else if (line.StartsWith("expr: ", StringComparison.Ordinal))
            {
                yield return line["expr: ".Length..];
            }
        }
    }

    private static IEnumerable<string> DashboardExpressions()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Monitoring, "grafana-dashboard.json")));
        var expressions = dashboard
            .RootElement.GetProperty("panels")
            .EnumerateArray()
            .Where(panel => panel.TryGetProperty("targets", out _))
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!)
            .ToList();
        // Grafana's variables, as Grafana fills them in.
        return expressions.Select(expression =>
            expression.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$job", ".*", StringComparison.Ordinal)
        );
    }

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"\{[^}]*\}|\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex LabelsAndGrouping();

    [GeneratedRegex(@"\b[a-z_][a-z0-9_]*\b")]
    private static partial Regex MetricName();
}
