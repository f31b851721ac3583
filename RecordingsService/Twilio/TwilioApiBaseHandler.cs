namespace RecordingsService.Twilio;

/// <summary>
/// The one way a request reaches Twilio's REST API: every request of the "twilio" client is addressed to Twilio's
/// own origin (<see cref="TwilioOrigin"/>, as Twilio's library builds its URLs), and this handler sends it to
/// TWILIO_API_BASE_URL instead (a fake in tests, or a regional edge), keeping path and query.
/// </summary>
internal sealed class TwilioApiBaseHandler(Uri apiBase) : DelegatingHandler
{
    public static readonly Uri TwilioOrigin = new("https://api.twilio.com");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri)
        {
            request.RequestUri = new UriBuilder(uri)
            {
                Scheme = apiBase.Scheme,
                Host = apiBase.Host,
                Port = apiBase.Port,
            }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
