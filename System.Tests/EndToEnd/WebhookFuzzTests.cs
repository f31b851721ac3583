using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Tests.Browser;
using System.Tests.Infrastructure;
using System.Text;

namespace System.Tests.EndToEnd;

/// <summary>
/// Hostile callbacks through the gateway to the real RecordingsService: 10,000 mutations of a signed callback, each
/// one invalid by construction and carrying a SID of its own. None may be answered 5xx, and none may be stored.
/// </summary>
[Collection(RunScriptGroup.Name)]
public sealed class WebhookFuzzTests(BrowserFixture fixture)
{
    private const int Callbacks = 10_000;
    private const string Path = "/webhooks/recording";

    [Fact]
    public async Task TenThousandMutatedCallbacks_NeverA5xx_AndNothingStored()
    {
        var seed = Environment.TickCount;
        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        var sids = new ConcurrentQueue<string>();
        // Not the contract-checking client: these requests are not the API's.
        using var client = new HttpClient(RunScript.Handler()) { BaseAddress = fixture.System.Url };
        var next = -1;
        await Task.WhenAll(
            Enumerable
                .Range(0, 8)
                .Select(async worker =>
                {
                    var random = new Random(seed + worker);
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < Callbacks)
                    {
                        var sid = "RE" + Convert.ToHexStringLower(RandomNumberGenerator(random, 16));
                        sids.Enqueue(sid);
                        var (kind, request) = Mutate(random, sid, i);
                        using (request)
                        {
                            using var response = await client.SendAsync(request);
                            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                            if ((int)response.StatusCode >= 500 || response.IsSuccessStatusCode)
                            {
                                failures.Enqueue($"{kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                            }
                        }
                    }
                })
        );

        var summary = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"));
        Assert.True(failures.IsEmpty, $"seed {seed}; answers {summary}; first failures: {string.Join(" | ", failures.Take(5))}");
        var stored = await fixture.System.ListedSidsAsync();
        Assert.Empty(stored.Intersect(sids));
    }

    private static byte[] RandomNumberGenerator(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static List<KeyValuePair<string, string>> Fields(string sid) =>
        [
            new("AccountSid", RunningSystem.AccountSid),
            new("CallSid", "CA0123456789abcdef0123456789abcdef"),
            new("RecordingSid", sid),
            new("RecordingStatus", "completed"),
            new("RecordingDuration", "12"),
            new("RecordingChannels", "1"),
            new("RecordingSource", "RecordVerb"),
            new("RecordingStartTime", "Sat, 28 Nov 2026 09:30:00 +0000"),
        ];

    private string SignedUrl => fixture.System.CallbackUrl;

    private HttpRequestMessage Signed(List<KeyValuePair<string, string>> fields) => TwilioSigner.Callback(fields, RunningSystem.AuthToken, SignedUrl);

    // Every mutation leaves the callback invalid: a broken signature, or a valid signature over a field out of range.
    private (string Kind, HttpRequestMessage Request) Mutate(Random random, string sid, int i)
    {
        var fields = Fields(sid);
        switch (i % 10)
        {
            case 0: // truncated: the signature covers the whole body
            {
                var request = Signed(fields);
                var body = Encoding.UTF8.GetBytes(new FormUrlEncodedContent(fields).ReadAsStringAsync().Result);
                request.Content = Form(body[..random.Next(1, body.Length - 1)]);
                return ("truncated", request);
            }

            case 1: // oversized, and signed (announced, so the 413 comes before the body: no broken pipe)
            {
                fields.Add(new("Padding", new string('x', 65 * 1024 + random.Next(1024))));
                var request = Signed(fields);
                request.Headers.ExpectContinue = true;
                return ("oversized", request);
            }

            case 2: // a key twice, the last value out of range
            {
                var key = new[] { "RecordingDuration", "RecordingChannels", "RecordingStatus", "ErrorCode" }[random.Next(4)];
                fields.Add(new(key, key == "RecordingStatus" ? "paused" : "-7"));
                return ("duplicated-" + key, Signed(fields));
            }

            case 3: // a required key missing, signed
                fields.RemoveAt(random.Next(0, 4));
                return ("missing-key", Signed(fields));
            case 4: // not UTF-8: the bytes Twilio would never send, the signature over the text it meant
            {
                var request = Signed(fields);
                var body = Encoding.Latin1.GetBytes(
                    "RecordingSid=" + sid + "&AccountSid=" + RunningSystem.AccountSid + "&CallSid=CA\u00e9\u00ff&RecordingStatus=completed"
                );
                request.Content = Form(body);
                return ("latin1", request);
            }

            case 5: // random bytes, a random signature
            {
                var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = Form(RandomNumberGenerator(random, random.Next(0, 4096))) };
                request.Headers.TryAddWithoutValidation("X-Twilio-Signature", Convert.ToBase64String(RandomNumberGenerator(random, 20)));
                return ("random-bytes", request);
            }

            case 6: // valid signature over a value out of range
            {
                var (key, value) = new[]
                {
                    ("RecordingDuration", "172801"),
                    ("RecordingDuration", "1e3"),
                    ("RecordingDuration", "99999999999999999999"),
                    ("RecordingChannels", "0"),
                    ("RecordingChannels", "3"),
                    ("ErrorCode", "100000"),
                    ("ErrorCode", "-1"),
                    ("RecordingStartTime", "Sat, 31 Feb 2026 09:30:00 +0000"),
                    ("RecordingStartTime", "yesterday"),
                    ("RecordingStatus", "COMPLETED"),
                    ("RecordingSource", "<script>"),
                    ("CallSid", "CA0123"),
                    ("CallSid", "CA0123456789abcdef0123456789abcdef\n"),
                }[random.Next(13)];
                fields.RemoveAll(f => f.Key == key);
                fields.Add(new(key, value));
                return ("range-" + key + "=" + value, Signed(fields));
            }

            case 7: // a valid signature for another account
                fields[0] = new("AccountSid", "AC" + new string('f', 32));
                return ("other-account", Signed(fields));
            case 8: // JSON bodies that are not what they claim
            {
                var json = new[] { "[]", "null", "{\"RecordingSid\":", "{\"RecordingSid\":{\"a\":1}}", "\"text\"", "{}" }[random.Next(6)];
                var request = new HttpRequestMessage(HttpMethod.Post, Path + "?bodySHA256=" + new string('0', 64))
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                };
                request.Headers.TryAddWithoutValidation(
                    "X-Twilio-Signature",
                    TwilioSigner.Sign(SignedUrl + "?bodySHA256=" + new string('0', 64), [], RunningSystem.AuthToken)
                );
                return ("json", request);
            }

            default: // a signature with one character changed, or an unusual content type
            {
                var request = Signed(fields);
                if (random.Next(2) == 0)
                {
                    var signature = request.Headers.GetValues("X-Twilio-Signature").Single().ToCharArray();
                    var at = random.Next(signature.Length - 1);
                    signature[at] = signature[at] == 'A' ? 'B' : 'A';
                    request.Headers.Remove("X-Twilio-Signature");
                    request.Headers.TryAddWithoutValidation("X-Twilio-Signature", new string(signature));
                    return ("tampered-signature", request);
                }

                request.Content!.Headers.ContentType = new MediaTypeHeaderValue(
                    new[] { "text/plain", "multipart/form-data", "application/xml" }[random.Next(3)]
                );
                return ("content-type " + request.Content.Headers.ContentType.MediaType, request);
            }
        }
    }

    private static ByteArrayContent Form(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        return content;
    }
}
