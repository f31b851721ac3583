namespace RecordingsService.Twilio;

/// <summary>
/// Twilio's library builds absolute https://api.twilio.com URLs; this sends them to TWILIO_API_BASE_URL instead
/// (a fake in tests, or a regional edge).
/// </summary>
internal sealed class TwilioHostRewriteHandler(Uri apiBase) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri)
        {
            request.RequestUri = new UriBuilder(uri) { Scheme = apiBase.Scheme, Host = apiBase.Host, Port = apiBase.Port }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
