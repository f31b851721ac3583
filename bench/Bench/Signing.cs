using System.Security.Cryptography;
using System.Text;

namespace Bench;

/// <summary>Recording status callbacks signed as Twilio signs them (HMAC-SHA1 over the URL and the sorted fields).</summary>
internal static class Signing
{
    public static HttpRequestMessage Callback(string publicBaseUrl, string authToken, string accountSid, string recordingSid, string status = "completed")
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
        var data = new StringBuilder(publicBaseUrl.TrimEnd('/') + "/webhooks/recording");
        foreach (var (key, value) in fields)
        {
            data.Append(key).Append(value);
        }

#pragma warning disable CA5350 // Twilio's signature is defined as HMAC-SHA1.
        var signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/recording") { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", signature);
        return request;
    }

    /// <summary>Distinct SIDs for one run: a random prefix and a counter.</summary>
    public static Func<string> SidSource()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        long counter = 0;
        return () => "RE" + prefix + Interlocked.Increment(ref counter).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
