using System.Security.Cryptography;
using System.Text;

namespace TestSupport;

/// <summary>Recording status callbacks signed as Twilio signs them.</summary>
public static class TwilioSigner
{
    /// <summary>Twilio's algorithm: HMAC-SHA1 over the URL followed by each parameter name and value, sorted by name.</summary>
    public static string Sign(string url, IEnumerable<KeyValuePair<string, string>> fields, string authToken)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            data.Append(key).Append(value);
        }

#pragma warning disable CA5350 // Twilio's signature is defined as HMAC-SHA1; a client must compute the same.
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
    }

    /// <summary>
    /// A form-encoded POST to <paramref name="pathAndQuery"/> with <c>X-Twilio-Signature</c> over
    /// <paramref name="signedUrl"/> (or <paramref name="signature"/> as given).
    /// </summary>
    public static HttpRequestMessage Callback(
        IReadOnlyCollection<KeyValuePair<string, string>> fields,
        string authToken,
        string signedUrl,
        string pathAndQuery = "/webhooks/recording",
        string? signature = null
    )
    {
        var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", signature ?? Sign(signedUrl, fields, authToken));
        return request;
    }
}
