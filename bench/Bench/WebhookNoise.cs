using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Bench;

/// <summary>
/// Scenario 2b: signed callbacks at a steady <c>--rate</c> (each latency measured), with or without unsigned ones at
/// <c>--unsigned-rate</c> from distinct client addresses (X-Forwarded-For through a trusted proxy) beside them.
/// Run for longer than a minute, so the refusals' once-a-minute audit write falls inside the measurement.
/// </summary>
internal static class WebhookNoise
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = new Uri(options["url"]);
        var rate = options.Int("rate", 100);
        var unsignedRate = options.Int("unsigned-rate", 0);
        var duration = TimeSpan.FromSeconds(options.Int("seconds", 70));
        using var client = Options.Client(url, 64);
        var nextSid = Signing.SidSource();
        var latencies = new List<double>();
        long stored = 0,
            refused = 0,
            other = 0;
        var clock = Stopwatch.StartNew();

        var signed = PacedAsync(rate, duration, clock, async () =>
        {
            var started = Stopwatch.GetTimestamp();
            using var request = Signing.Callback(options["public-base"], options["auth-token"], options["account"], nextSid());
            using var response = await client.SendAsync(request);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            lock (latencies)
            {
                latencies.Add(ms);
            }

            Interlocked.Increment(ref response.StatusCode == HttpStatusCode.NoContent ? ref stored : ref other);
        });
        var random = new Random(7);
        var noise = unsignedRate <= 0 ? Task.CompletedTask : PacedAsync(unsignedRate, duration, clock, async () =>
                {
                    int a,
                        b,
                        c;
                    lock (random)
                    {
                        (a, b, c) = (random.Next(256), random.Next(256), random.Next(1, 255));
                    }

                    using var request = Signing.Callback(options["public-base"], "not-the-auth-token", options["account"], nextSid());
                    request.Headers.Add("X-Forwarded-For", string.Create(CultureInfo.InvariantCulture, $"10.{a}.{b}.{c}"));
                    using var response = await client.SendAsync(request);
                    Interlocked.Increment(ref response.StatusCode == HttpStatusCode.Forbidden ? ref refused : ref other);
                });
        await Task.WhenAll(signed, noise);
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"signed at {rate}/s with unsigned at {unsignedRate}/s for {duration.TotalSeconds:0} s: stored_204={stored} "
                    + $"refused_403={refused} other={other} signed latency: {Stats.Summary(latencies)}"
            )
        );
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"p99 signed with unsigned at {unsignedRate}/s = {Stats.Percentile([.. latencies.Order()], 99):0.0}"
            )
        );
        return 0;
    }

    // Starts one call every 1/rate seconds (not waiting for the previous one), so a slow answer never slows the pace.
    private static async Task PacedAsync(int rate, TimeSpan duration, Stopwatch clock, Func<Task> call)
    {
        var inFlight = new List<Task>();
        for (long n = 0; clock.Elapsed < duration; n++)
        {
            inFlight.Add(call());
            var due = TimeSpan.FromSeconds((double)(n + 1) / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            inFlight.RemoveAll(t => t.IsCompleted);
        }

        await Task.WhenAll(inFlight);
    }
}
