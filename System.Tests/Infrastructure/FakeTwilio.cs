using System.Globalization;
using System.Text.RegularExpressions;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace System.Tests.Infrastructure;

/// <summary>
/// Twilio's REST API for the browser tests (WireMock.Net): every recording's media is a short constant-bitrate MP3
/// served with Range support, and deletes succeed. Every request is kept in <see cref="Server"/>'s log.
/// </summary>
public sealed partial class FakeTwilio : IDisposable
{
    private FakeTwilio(WireMockServer server) => Server = server;

    public WireMockServer Server { get; }
    public string Url => Server.Url!;

    /// <summary>About 26 s of silent MPEG-1 Layer III at 128 kbit/s: 1000 frames of 417 bytes.</summary>
    public static byte[] Mp3 { get; } = MakeMp3(1000);

    public static FakeTwilio Start()
    {
        var server = WireMockServer.Start();
        server
            .Given(
                Request
                    .Create()
                    .WithPath(new WireMock.Matchers.RegexMatcher(@"^/2010-04-01/Accounts/AC[0-9a-f]{32}/Recordings/RE[0-9a-f]{32}\.(mp3|wav)$"))
                    .UsingGet()
            )
            .RespondWith(
                Response
                    .Create()
                    .WithCallback(request =>
                    {
                        var range = request.Headers?.TryGetValue("Range", out var values) == true ? values.FirstOrDefault() : null;
                        var match = range is null ? null : RangePattern().Match(range);
                        if (match is null || !match.Success)
                        {
                            return new WireMock.ResponseMessage
                            {
                                StatusCode = 200,
                                Headers = Headers(("Content-Type", "audio/mpeg"), ("Accept-Ranges", "bytes")),
                                BodyData = new WireMock.Util.BodyData { BodyAsBytes = Mp3, DetectedBodyType = WireMock.Types.BodyType.Bytes },
                            };
                        }

                        var start = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                        var end =
                            match.Groups[2].Success && match.Groups[2].Value.Length > 0
                                ? Math.Min(long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), Mp3.Length - 1)
                                : Mp3.Length - 1;
                        return new WireMock.ResponseMessage
                        {
                            StatusCode = 206,
                            Headers = Headers(
                                ("Content-Type", "audio/mpeg"),
                                ("Accept-Ranges", "bytes"),
                                ("Content-Range", $"bytes {start}-{end}/{Mp3.Length}")
                            ),
                            BodyData = new WireMock.Util.BodyData
                            {
                                BodyAsBytes = Mp3[(int)start..(int)(end + 1)],
                                DetectedBodyType = WireMock.Types.BodyType.Bytes,
                            },
                        };
                    })
            );
        server
            .Given(
                Request
                    .Create()
                    .WithPath(new WireMock.Matchers.RegexMatcher(@"^/2010-04-01/Accounts/AC[0-9a-f]{32}/Recordings/RE[0-9a-f]{32}\.json$"))
                    .UsingDelete()
            )
            .RespondWith(Response.Create().WithStatusCode(204));
        return new FakeTwilio(server);
    }

    /// <summary>The Range headers Twilio received for one recording's media.</summary>
    public IReadOnlyList<string> RangesFor(string recordingSid) =>
        [
            .. Server
                .LogEntries.Where(e => e.RequestMessage.Path.Contains(recordingSid, StringComparison.Ordinal) && e.RequestMessage.Method == "GET")
                .Select(e => e.RequestMessage.Headers?.TryGetValue("Range", out var range) == true ? range.First() : ""),
        ];

    public void Dispose() => Server.Stop();

    private static Dictionary<string, WireMock.Types.WireMockList<string>> Headers(params (string Name, string Value)[] headers) =>
        headers.ToDictionary(h => h.Name, h => new WireMock.Types.WireMockList<string>(h.Value));

    private static byte[] MakeMp3(int frames)
    {
        const int frameLength = 417; // 144 * 128000 / 44100, no padding
        var data = new byte[frames * frameLength];
        for (var i = 0; i < frames; i++)
        {
            // Sync, MPEG-1 Layer III without CRC; 128 kbit/s, 44.1 kHz; joint stereo. Zero side info: silence.
            data[i * frameLength] = 0xFF;
            data[(i * frameLength) + 1] = 0xFB;
            data[(i * frameLength) + 2] = 0x90;
            data[(i * frameLength) + 3] = 0x64;
        }

        return data;
    }

    [GeneratedRegex(@"^bytes=(\d+)-(\d*)$")]
    private static partial Regex RangePattern();
}
