using System.Security.Cryptography;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>Recording status callbacks signed as Twilio signs them: HMAC-SHA1 over the URL and the fields sorted by name.</summary>
public static class TwilioCallbacks
{
    public static HttpRequestMessage SignedRequest(IReadOnlyDictionary<string, string> fields, string authToken, string signedUrl)
    {
        var data = new StringBuilder(signedUrl);
        foreach (var (key, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            data.Append(key).Append(value);
        }

#pragma warning disable CA5350 // Twilio's signature is defined as HMAC-SHA1; a test must compute the same.
        var signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/recording") { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", signature);
        return request;
    }
}
