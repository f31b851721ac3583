using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;

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

        // Beside the users: the admin's browser, holding the device cookie of an earlier sign-in, signs in again.
        // The cookie is kept in --device-cookie-file between runs: the run during the flood uses the one the admin got
        // before it, as a browser would, instead of first signing in without one in the middle of the flood.
        var deviceCookie = options.Get("device-password") is { } password
            ? await DeviceCookieAsync(url, options["device-user"], password, options.Get("device-cookie-file"))
            : null;
        var measuring = MeasureUsersAsync(url, options["token"], users, TimeSpan.FromSeconds(seconds));
        var signIns = deviceCookie is null
            ? Task.FromResult(new List<(int, double)>())
            : DeviceSignInsAsync(url, options["device-user"], options["device-password"], deviceCookie, TimeSpan.FromSeconds(seconds));
        var latencies = await measuring;
        Console.WriteLine($"signed-in users {phase}: " + Stats.Summary(latencies));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"p99 {phase} = {Stats.Percentile(latencies, 99):0.0}"));
        if (deviceCookie is not null)
        {
            var attempts = await signIns;
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"device sign-ins {phase}: {attempts.Count(a => a.Item1 == 200)} of {attempts.Count} answered 200 "
                        + $"(others: {string.Join(", ", attempts.Where(a => a.Item1 != 200).Select(a => a.Item1))}); "
                        + $"slowest {attempts.Select(a => a.Item2).DefaultIfEmpty().Max():0} ms, "
                        + $"median {Stats.Percentile(attempts.Select(a => a.Item2).Order().ToList(), 50):0} ms"
                )
            );
        }

        return 0;
    }

    /// <summary>
    /// A first sign-in without a device cookie: the AuthService answers with the cookie a browser keeps. (During a
    /// flood such a sign-in may be shed with 503; it is tried again, as a person would.)
    /// </summary>
    private static async Task<string> DeviceCookieAsync(Uri url, string username, string password, string? keptIn)
    {
        if (keptIn is not null && File.Exists(keptIn))
        {
            return (await File.ReadAllTextAsync(keptIn)).Trim();
        }

        var cookie = await FirstDeviceCookieAsync(url, username, password);
        if (keptIn is not null)
        {
            await File.WriteAllTextAsync(keptIn, cookie);
        }

        return cookie;
    }

    private static async Task<string> FirstDeviceCookieAsync(Uri url, string username, string password)
    {
        using var client = Options.Client(url, 1);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
            {
                Content = JsonContent.Create(new { username, password }),
            };
            request.Headers.Add("X-Forwarded-For", $"192.0.2.{200 + attempt}");
            using var response = await client.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                return response
                    .Headers.GetValues("Set-Cookie")
                    .Select(c => c.Split(';')[0])
                    .Single(c => c.StartsWith("__Host-device=", StringComparison.Ordinal));
            }

            if (attempt == 30)
            {
                throw new InvalidOperationException($"The first sign-in kept failing ({(int)response.StatusCode}).");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// One sign-in every 2 s with the device cookie, each from an address of its own (random in 198.18.0.0/15, the
    /// benchmarking range), so that the per-address sign-in limit does not count against the measurement, in this
    /// phase or the next rounds' (a fixed list of addresses was refused 429 from the third round on): status and
    /// latency of each.
    /// </summary>
    private static async Task<List<(int Status, double Milliseconds)>> DeviceSignInsAsync(
        Uri url,
        string username,
        string password,
        string cookie,
        TimeSpan duration
    )
    {
        using var client = Options.Client(url, 1);
        var attempts = new List<(int, double)>();
        var clock = Stopwatch.StartNew();
        for (var n = 1; clock.Elapsed < duration && n < 100; n++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
            {
                Content = JsonContent.Create(new { username, password }),
            };
            request.Headers.Add("X-Forwarded-For", $"198.{18 + Random.Shared.Next(2)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}");
            request.Headers.Add("Cookie", cookie);
            var started = Stopwatch.GetTimestamp();
            var status = await Options.StatusOfAsync(client, request);
            attempts.Add((status, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        return attempts;
    }

    private static async Task<int> FloodOnlyAsync(Uri url, int rate, int seconds)
    {
        using var stopFlood = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        // bench/run.sh ends the flood with SIGTERM once the users' measurement is over: the summary is still printed.
        using var terminated = System.Runtime.InteropServices.PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stopFlood.Cancel();
        });
        var statuses = new Dictionary<int, long>();
        var (sent, floodSeconds) = await FloodAsync(url, rate, statuses, stopFlood.Token);
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"flood: {sent} attempts in {floodSeconds:0.0}s = {sent / floodSeconds:0}/s; "
                    + $"answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}"))}"
            )
        );
        return 0;
    }

    private static async Task<List<double>> MeasureUsersAsync(Uri url, string token, int users, TimeSpan duration)
    {
        using var client = Options.Client(url, users);
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(
            Enumerable
                .Range(0, users)
                .Select(async _ =>
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
                })
        );
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
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = JsonContent.Create(new { username = user, password = "wrong-password-123" }),
        };
        request.Headers.Add("X-Forwarded-For", ip);
        var status = await Options.StatusOfAsync(client, request);

        lock (statuses)
        {
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }
    }
}
