using RecordingsService.Recordings;

namespace RecordingsService.Twilio;

public enum TwilioDeleteOutcome
{
    Deleted,
    NotFound,
    Failed,
}

/// <summary>Twilio's REST API for recordings, behind an interface (a WireMock.Net fake stands in for it in tests).</summary>
public interface ITwilioRecordings
{
    /// <summary>Starts fetching the media (headers only; the caller streams the body and disposes the response).</summary>
    /// <exception cref="HttpRequestException">Twilio cannot be reached.</exception>
    Task<HttpResponseMessage> GetMediaAsync(string sid, string format, string? range, CancellationToken cancellationToken);

    Task<TwilioDeleteOutcome> DeleteAsync(string sid, CancellationToken cancellationToken);

    /// <summary>Every recording of the account, page by page.</summary>
    IAsyncEnumerable<Recording> ListAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
