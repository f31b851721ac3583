using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Tests.Infrastructure;
using Xunit.Abstractions;

namespace System.Tests.Draining;

/// <summary>
/// A rolling restart of the gateways as an orchestrator does one: two gateways behind a TCP balancer under callback,
/// list and WebSocket load; each in turn gets SIGTERM, drains (not ready at once, serves SHUTDOWN_DRAIN_SECONDS,
/// closes WebSockets with 1001), exits and is started again. No request may fail; every dashboard reconnects on its
/// own and is told of every stored recording.
/// </summary>
[Collection(WholeSystem.Name)]
[Trait(RunsAlone.Trait, RunsAlone.Value)]
public sealed class GatewayDrainTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SigtermToEachGatewayBehindABalancer_UnderLoad_FailsNoRequest()
    {
        await using var system = await ReplicatedSystem.StartAsync();
        await using var balancer = await TcpBalancer.StartAsync(system.Gateways);
        var token = await ReplicatedSystem.SignInAsync(balancer.Url);
        // The page's origin is the public one (the balancer forwards bytes; the gateway sees what the browser sent).
        var dashboards = Enumerable.Range(0, 4).Select(_ => LiveDashboard.Open(balancer.Url, token, system.PublicBaseUrl)).ToList();
        await Task.WhenAll(dashboards.Select(d => d.Connected)).WaitAsync(TimeSpan.FromSeconds(30));
        var callbacks = new ConcurrentQueue<(string Sid, HttpStatusCode Status)>();
        var lists = new ConcurrentQueue<HttpStatusCode>();
        using var stopLoad = new CancellationTokenSource();

        var load = Enumerable
            .Range(0, 4)
            .Select(worker =>
                Task.Run(async () =>
                {
                    // Each worker keeps its connections open between requests, as browsers and Twilio's callers do.
                    using var client = ReplicatedSystem.Client(balancer.Url);
                    while (!stopLoad.IsCancellationRequested)
                    {
                        if (worker % 2 == 0)
                        {
                            var sid = ReplicatedSystem.NewRecordingSid();
                            using var response = await ReplicatedSystem.TrySendAsync(client, system.Callback(sid));
                            callbacks.Enqueue((sid, response.StatusCode));
                        }
                        else
                        {
                            var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings?limit=20");
                            request.Headers.Authorization = new("Bearer", token);
                            using var response = await ReplicatedSystem.TrySendAsync(client, request);
                            lists.Enqueue(response.StatusCode);
                        }

                        await Task.Delay(20);
                    }
                })
            )
            .ToList();

        var phases = new List<string>();
        foreach (var gateway in new[] { "gateway-1", "gateway-2" })
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            var before = callbacks.Count + lists.Count;
            await system.StopAsync(gateway, "TERM");
            Assert.Equal(0, system.ExitCode(gateway));
            var left = await balancer.ServersUpAsync();
            Assert.DoesNotContain(gateway, left);
            await system.RestartAsync(gateway);
            await Wait.UntilAsync(
                async () => (await balancer.ServersUpAsync()).Contains(gateway),
                TimeSpan.FromSeconds(30),
                $"{gateway} is back in the balancer"
            );
            phases.Add(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{gateway}: SIGTERM, drained, started again; {callbacks.Count + lists.Count - before} requests meanwhile"
                )
            );
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);

        var stored = await system.StoredSidsAsync();
        var acknowledged = callbacks.Where(c => c.Status == HttpStatusCode.NoContent).Select(c => c.Sid).ToHashSet(StringComparer.Ordinal);
        var told = true;
        try
        {
            await Wait.UntilAsync(
                () => dashboards.All(d => stored.All(d.Seen.ContainsKey)),
                TimeSpan.FromSeconds(30),
                "every dashboard has been told of every stored recording"
            );
        }
        catch (TimeoutException)
        {
            told = false;
        }

        var figures = string.Join(
            "\n",
            [
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{callbacks.Count} callbacks ({callbacks.Count(c => c.Status != HttpStatusCode.NoContent)} not 204), "
                        + $"{lists.Count} lists ({lists.Count(l => l != HttpStatusCode.OK)} not 200), {stored.Count} stored"
                ),
                .. dashboards.Select(
                    (d, i) =>
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"dashboard {i + 1}: closed {string.Join(", ", d.Closes.Select(c => c?.ToString() ?? "without a status"))}; "
                                + $"reconnected {d.Reconnects} time(s); missed {stored.Count(sid => !d.Seen.ContainsKey(sid))}"
                        )
                ),
                .. phases,
            ]
        );
        output.WriteLine(figures);

        Assert.True(callbacks.All(c => c.Status == HttpStatusCode.NoContent), "a callback failed\n" + figures);
        Assert.True(lists.All(l => l == HttpStatusCode.OK), "a list failed\n" + figures);
        Assert.True(acknowledged.SetEquals(stored), "acknowledged and stored differ\n" + figures);
        Assert.True(told, "a dashboard missed a recording\n" + figures);
        // Each dashboard sat on one of the gateways, and both were restarted: each was told it was going away, and came back.
        Assert.All(dashboards, d =>
        {
            Assert.Contains(WebSocketCloseStatus.EndpointUnavailable, d.Closes);
            Assert.True(d.Reconnects >= 1, figures);
        });
        foreach (var dashboard in dashboards)
        {
            await dashboard.DisposeAsync();
        }
    }
}
