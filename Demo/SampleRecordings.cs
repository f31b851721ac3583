using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Demo;

/// <summary>One made-up recording: what its callback says, and what its audio is made of.</summary>
internal sealed record SampleRecording(
    string Sid,
    string CallSid,
    string Status,
    int Duration,
    string Source,
    DateTimeOffset StartTime,
    int? ErrorCode
);

/// <summary>
/// The demo's 25 recordings: 20 already there (the same ones on every run, so a second run adds none: callbacks are
/// stored once) and 5 that arrive while you watch (new ones each run).
/// </summary>
internal static class SampleRecordings
{
    public const int Initial = 20;
    public const int Late = 5;

    private static readonly string[] Sources = ["RecordVerb", "DialVerb", "OutboundAPI", "Conference"];

    public static IReadOnlyList<SampleRecording> First(DateTimeOffset now) =>
        [
            .. Enumerable
                .Range(0, Initial)
                .Select(i => Make(Hex("demo-recording-" + i), Hex("demo-call-" + i), i, now - TimeSpan.FromHours(7 * 24 * (i + 1) / Initial + 1))),
        ];

    public static IReadOnlyList<SampleRecording> Arriving(DateTimeOffset now) =>
        [
            .. Enumerable
                .Range(Initial, Late)
                .Select(i =>
                    Make(
                        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                        i,
                        now
                    )
                ),
        ];

    /// <summary>How long a recording lasts, from its SID (10 s to 3 minutes): the callback and the audio agree.</summary>
    public static int DurationOf(string sid) => Math.Max(5, BitConverter.ToUInt16(SHA256.HashData(Encoding.UTF8.GetBytes(sid))) % 170 + 10);

    private static SampleRecording Make(string sidHex, string callHex, int index, DateTimeOffset start)
    {
        var sid = "RE" + sidHex;
        var (status, error) = index switch
        {
            7 => ("absent", (int?)null),
            13 => ("failed", 13617),
            _ => ("completed", null),
        };
        return new SampleRecording(
            sid,
            "CA" + callHex,
            status,
            status == "completed" ? DurationOf(sid) : 0,
            Sources[index % Sources.Length],
            start,
            error
        );
    }

    private static string Hex(string seed) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))[..32];

    /// <summary>As Twilio writes times in callbacks and its API: RFC 2822.</summary>
    public static string Rfc2822(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
}
