using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace Bench;

/// <summary>
/// Scenario 4: signed-in users' requests, first alone and then during a flood of wrong-password sign-ins from many
/// client addresses (X-Forwarded-For through a trusted proxy), at a fixed rate. The flood comes from a second
/// process (<c>signin-flood --flood-only</c>, started by bench/run.sh), so the users' latencies are not measured
/// inside the process that generates the flood (its garbage collections and thread pool would count as ours).
/// </summary>
internal static class SignInFlood
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = new Uri(options["url"]);
        var seconds = options.Int("seconds", 15);
        if (options.Int("flood-only", 0) == 1)
        {
            return await FloodOnlyAsync(url, options.Int("rate", 1000), seconds);
        }

        var users = options.Int("users", 8);
        var phase = options.Get("phase") ?? (options.Int("during-flood", 0) == 1 ? "during the flood" : "alone");
        // Warm-up (JIT, connections, the token cache), not measured: otherwise the figures would include start-up costs.
        await MeasureUsersAsync(url, options["token"], users, TimeSpan.FromSeconds(5));

        var latencies = await MeasureUsersAsync(url, options["token"], users, TimeSpan.FromSeconds(seconds));
        Console.WriteLine($"signed-in users {phase}: " + Stats.Summary(latencies));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"p99 {phase} = {Stats.Percentile(latencies, 99):0.0}"));
        return 0;
    }

    private static async Task<int> FloodOnlyAsync(Uri url, int rate, int seconds)
    {
        using var stopFlood = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var statuses = new Dictionary<int, long>();
        var (sent, floodSeconds) = await FloodAsync(url, rate, statuses, stopFlood.Token);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"flood: {sent} attempts in {floodSeconds:0.0}s = {sent / floodSeconds:0}/s; answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}"))}"));
        return 0;
    }

    private static async Task<List<double>> MeasureUsersAsync(Uri url, string token, int users, TimeSpan duration)
    {
        using var client = Options.Client(url, users);
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, users).Select(async _ =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync("/api/recordings?limit=20");
                await response.Content.ReadAsByteArrayAsync();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await Task.Delay(20); // a person's dashboard, not a tight loop
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        return latencies;
    }

    private static async Task<(long Sent, double Seconds)> FloodAsync(Uri url, int rate, Dictionary<int, long> statuses, CancellationToken stop)
    {
        using var client = Options.Client(url, 256);
        var random = new Random(42);
        long sent = 0;
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        while (!stop.IsCancellationRequested)
        {
            var ip = $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}";
            var user = $"guess{random.Next(100_000)}";
            inFlight.Add(SendAsync(client, ip, user, statuses));
            sent++;
            var due = TimeSpan.FromSeconds((double)sent / rate);
            if (due > clock.Elapsed)
            {
                try
                {
                    await Task.Delay(due - clock.Elapsed, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            inFlight.RemoveAll(t => t.IsCompleted);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(inFlight);
        return (sent, seconds);
    }

    private static async Task SendAsync(HttpClient client, string ip, string user, Dictionary<int, long> statuses)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { username = user, password = "wrong-password-123" }) };
        request.Headers.Add("X-Forwarded-For", ip);
        var status = await Options.StatusOfAsync(client, request);

        lock (statuses)
        {
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }
    }
}
