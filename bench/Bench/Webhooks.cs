using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Bench;

/// <summary>Scenario 2: signed callbacks with distinct SIDs as fast as the system takes them, for a fixed time.</summary>
internal static class Webhooks
{
    public static async Task<int> RunAsync(Options options)
    {
        var concurrency = options.Int("concurrency", 64);
        var seconds = options.Int("seconds", 60);
        using var client = Options.Client(new Uri(options["url"]), concurrency);
        var nextSid = Signing.SidSource();
        long ok = 0,
            failed = 0;
        var latencies = new List<double>();
        var stop = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable
            .Range(0, concurrency)
            .Select(async _ =>
            {
                var mine = new List<double>();
                while (stop.Elapsed < until)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var request = Signing.Callback(options["public-base"], options["auth-token"], options["account"], nextSid());
                    try
                    {
                        using var response = await client.SendAsync(request);
                        if (response.StatusCode == HttpStatusCode.NoContent)
                        {
                            Interlocked.Increment(ref ok);
                        }
                        else
                        {
                            Interlocked.Increment(ref failed);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref failed);
                    }

                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                lock (latencies)
                {
                    latencies.AddRange(mine);
                }
            });
        await Task.WhenAll(workers);
        var elapsed = stop.Elapsed.TotalSeconds;
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"stored_204={ok} failed={failed} seconds={elapsed:0.0} rate={ok / elapsed:0} per_s latency: {Stats.Summary(latencies)}"
            )
        );
        return 0;
    }
}
