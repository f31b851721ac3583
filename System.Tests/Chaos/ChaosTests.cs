using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace System.Tests.Infrastructure;

/// <summary>
/// The chaos run, bounded: steady callback and list load through two gateways, a dashboard on each, while in turn a
/// RecordingsService replica is stopped (SIGTERM) and started again, the other is killed (SIGKILL) and started again,
/// Redis is stopped for a while, an AuthService replica is killed, and PostgreSQL is stopped for a while. Nothing a
/// user relies on may be lost: every callback answered 2xx and stored once, every dashboard told of every stored
/// change (live or by replay), lists 2xx outside the database outage.
/// </summary>
[Collection(WholeSystem.Name)]
[Trait(RunsAlone.Trait, RunsAlone.Value)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task UnderLoad_ReplicasDying_RedisAndPostgresAway_LoseNothing()
    {
        await using var system = await ReplicatedSystem.StartAsync();
        var token = await ReplicatedSystem.SignInAsync(system.Gateways[0]);
        var dashboards = system.Gateways.Select(gateway => LiveDashboard.Open(gateway, token)).ToList();
        await Task.WhenAll(dashboards.Select(d => d.Connected)).WaitAsync(TimeSpan.FromSeconds(30));
        var callbacks = new ConcurrentQueue<(string Sid, HttpStatusCode Status, TimeSpan At)>();
        var lists = new ConcurrentQueue<(DateTimeOffset At, HttpStatusCode Status, bool RetryAfter)>();
        using var stopLoad = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var phases = new List<string>();
        DateTimeOffset databaseDownFrom = DateTimeOffset.MaxValue,
            databaseDownUntil = DateTimeOffset.MaxValue;

        var load = new List<Task>();
        for (var worker = 0; worker < 4; worker++)
        {
            var gateway = system.Gateways[worker % 2];
            var callbackWorker = worker < 2;
            load.Add(
                Task.Run(async () =>
                {
                    using var client = ReplicatedSystem.Client(gateway);
                    while (!stopLoad.IsCancellationRequested)
                    {
                        if (callbackWorker)
                        {
                            var sid = ReplicatedSystem.NewRecordingSid();
                            using var response = await ReplicatedSystem.TrySendAsync(client, system.Callback(sid));
                            callbacks.Enqueue((sid, response.StatusCode, clock.Elapsed));
                        }
                        else
                        {
                            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings?limit=20");
                            request.Headers.Authorization = new("Bearer", token);
                            using var response = await ReplicatedSystem.TrySendAsync(client, request);
                            lists.Enqueue((DateTimeOffset.UtcNow, response.StatusCode, response.Headers.RetryAfter is not null));
                        }

                        await Task.Delay(40); // about 25 requests a second per worker
                    }
                })
            );
        }

        async Task PhaseAsync(string name, Func<Task> fault)
        {
            await Task.Delay(Steady);
            var before = callbacks.Count;
            var started = clock.Elapsed;
            await fault();
            phases.Add(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name}: from {started.TotalSeconds:0.0} s for {(clock.Elapsed - started).TotalSeconds:0.0} s, "
                        + $"{callbacks.Count - before} callbacks meanwhile"
                )
            );
        }

        await PhaseAsync("SIGTERM recordings-1, then started again", async () =>
        {
            await system.StopAsync("recordings-1", "TERM");
            await system.RestartAsync("recordings-1");
        });
        await PhaseAsync("SIGKILL recordings-2, then started again", async () =>
        {
            await system.StopAsync("recordings-2", "KILL");
            await system.RestartAsync("recordings-2");
        });
        await PhaseAsync($"Redis stopped for {Outage.TotalSeconds:0} s", async () =>
        {
            await system.Redis.StopAsync();
            await Task.Delay(Outage);
            await system.Redis.StartAgainAsync();
        });
        await PhaseAsync("SIGKILL auth-1, then started again", async () =>
        {
            await system.StopAsync("auth-1", "KILL");
            await system.RestartAsync("auth-1");
        });
        await PhaseAsync($"PostgreSQL stopped for {Outage.TotalSeconds:0} s", async () =>
        {
            databaseDownFrom = DateTimeOffset.UtcNow;
            await system.Postgres.StopAsync();
            await Task.Delay(Outage);
            await system.Postgres.StartAgainAsync();
            databaseDownUntil = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5); // the pools' reconnect and the 5 s connect timeout
        });
        await Task.Delay(Steady);
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);

        // Every acknowledged callback is stored (the spool drains once the database answers), once.
        var acknowledged = callbacks.Where(c => c.Status == HttpStatusCode.NoContent).Select(c => c.Sid).ToHashSet(StringComparer.Ordinal);
        HashSet<string> stored = [];
        await Wait.UntilAsync(
            async () =>
            {
                stored = await system.StoredSidsAsync();
                return acknowledged.IsSubsetOf(stored);
            },
            TimeSpan.FromSeconds(60),
            "every acknowledged callback is in the database"
        );
        var told = true;
        try
        {
            await Wait.UntilAsync(
                () => dashboards.All(d => stored.All(d.Seen.ContainsKey)),
                TimeSpan.FromSeconds(60),
                "every dashboard has been told of every stored change"
            );
        }
        catch (TimeoutException)
        {
            told = false;
        }

        var failedCallbacks = callbacks.Where(c => c.Status != HttpStatusCode.NoContent).ToList();
        var failedLists = lists
            .Where(l =>
                l.Status != HttpStatusCode.OK
                && !(l.At >= databaseDownFrom && l.At <= databaseDownUntil && l.Status == HttpStatusCode.ServiceUnavailable && l.RetryAfter)
            )
            .ToList();
        var figures = string.Join(
            "\n",
            [
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"run: {clock.Elapsed.TotalSeconds:0} s; {callbacks.Count} callbacks ({failedCallbacks.Count} not 2xx), "
                        + $"{acknowledged.Count} acknowledged, {stored.Count} stored"
                ),
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"lists: {lists.Count} ({lists.Count(l => l.Status == HttpStatusCode.ServiceUnavailable)} answered 503 with "
                        + $"Retry-After during the database outage, {failedLists.Count} failed otherwise)"
                ),
                .. dashboards.Select((d, i) => Describe(i + 1, d)),
                .. phases,
            ]
        );
        output.WriteLine(figures);

        string Describe(int number, LiveDashboard dashboard)
        {
            var missed = callbacks.Where(c => stored.Contains(c.Sid) && !dashboard.Seen.ContainsKey(c.Sid)).ToList();
            return string.Create(
                    CultureInfo.InvariantCulture,
                    $"dashboard {number}: told of {dashboard.Seen.Count} recordings, reconnected {dashboard.Reconnects} time(s), "
                        + $"reloaded its list {dashboard.Reloads} time(s); missed {missed.Count}"
                ) + string.Concat(missed.Take(30).Select(c => string.Create(CultureInfo.InvariantCulture, $" (sent at {c.At.TotalSeconds:0.0} s)")));
        }

        Assert.True(
            told,
            "a dashboard was not told of every stored change\n"
                + figures
                + "\n"
                + string.Join(
                    "\n",
                    system
                        .Output("recordings-1")
                        .Split('\n')
                        .Where(line => line.Contains("Live events", StringComparison.Ordinal) || line.Contains("Redis", StringComparison.Ordinal))
                        .Take(20)
                )
        );
        Assert.True(
            failedCallbacks.Count == 0,
            $"callbacks not acknowledged: {string.Join(", ", failedCallbacks.Take(10).Select(c => (int)c.Status))}\n{figures}"
        );
        Assert.True(failedLists.Count == 0, $"lists failed: {string.Join(", ", failedLists.Take(10).Select(l => (int)l.Status))}\n{figures}");
        Assert.Equal(acknowledged.Count, stored.Count);
        foreach (var dashboard in dashboards)
        {
            await dashboard.DisposeAsync();
        }
    }
}
