using System.Globalization;
using System.Security.Cryptography;
using TestSupport;

namespace Bench;

/// <summary>Recording status callbacks signed as Twilio signs them (HMAC-SHA1 over the URL and the sorted fields).</summary>
internal static class Signing
{
    public static HttpRequestMessage Callback(
        string publicBaseUrl,
        string authToken,
        string accountSid,
        string recordingSid,
        string status = "completed"
    )
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = accountSid,
            ["CallSid"] = "CA" + recordingSid[2..],
            ["RecordingSid"] = recordingSid,
            ["RecordingStatus"] = status,
            ["RecordingDuration"] = "42",
            ["RecordingChannels"] = "1",
            ["RecordingSource"] = "RecordVerb",
        };
        return TwilioSigner.Callback(fields, authToken, publicBaseUrl.TrimEnd('/') + "/webhooks/recording");
    }

    /// <summary>Distinct SIDs for one run: a random prefix and a counter.</summary>
    public static Func<string> SidSource()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        long counter = 0;
        return () => "RE" + prefix + Interlocked.Increment(ref counter).ToString("x16", CultureInfo.InvariantCulture);
    }
}
