using System.Diagnostics;
using System.Globalization;

namespace Bench;

/// <summary>
/// Scenario 6: requests from <c>--count</c> distinct client addresses (X-Forwarded-For through a trusted proxy), each
/// once, as fast as <c>--concurrency</c> connections allow: half IPv4, half IPv6 addresses in distinct /64 networks.
/// Each is a signed-out <c>GET /api/recordings</c>, so it is counted by the global rate limit and refused with 401,
/// which the refusal-burst detector counts too: every address is new state for both.
/// </summary>
internal static class AddressSpray
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = new Uri(options["url"]);
        var count = options.Int("count", 1_000_000);
        var concurrency = options.Int("concurrency", 64);
        using var client = Options.Client(url, concurrency);
        var statuses = new Dictionary<int, long>();
        long next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(
            Enumerable
                .Range(0, concurrency)
                .Select(async _ =>
                {
                    var mine = new Dictionary<int, long>();
                    long i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recordings");
                        request.Headers.Add("X-Forwarded-For", Address(i));
                        var status = await Options.StatusOfAsync(client, request);
                        mine[status] = mine.GetValueOrDefault(status) + 1;
                    }

                    lock (statuses)
                    {
                        foreach (var (status, n) in mine)
                        {
                            statuses[status] = statuses.GetValueOrDefault(status) + n;
                        }
                    }
                })
        );
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"spray: {count} distinct addresses in {seconds:0.0}s = {count / seconds:0}/s; "
                    + $"answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}"))}"
            )
        );
        return 0;
    }

    // Even: an IPv4 address in 10/8 (16.7 million of them); odd: an IPv6 address in its own /64 of 2001:db8::/32.
    private static string Address(long i) =>
        (i % 2) == 0
            ? string.Create(CultureInfo.InvariantCulture, $"10.{(i >> 17) & 255}.{(i >> 9) & 255}.{(i >> 1) & 255}")
            : string.Create(CultureInfo.InvariantCulture, $"2001:db8:{(i >> 17) & 0xffff:x}:{(i >> 1) & 0xffff:x}::{(i & 0xff) + 1:x}");
}
