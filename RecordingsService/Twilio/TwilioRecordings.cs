using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using RecordingsService.Configuration;
using RecordingsService.Recordings;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;

namespace RecordingsService.Twilio;

/// <summary>
/// Media through a plain HttpClient (streamed, Range passed through); delete and list through Twilio's library.
/// The account's credentials go only to Twilio, never to the browser.
/// </summary>
internal sealed class TwilioRecordings(IHttpClientFactory httpClients, TwilioSettings settings) : ITwilioRecordings
{
    public const string HttpClientName = "twilio";

    public async Task<HttpResponseMessage> GetMediaAsync(string sid, string format, string? range, CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(
            System.Net.Http.HttpMethod.Get,
            new Uri(TwilioApiBaseHandler.TwilioOrigin, $"/2010-04-01/Accounts/{settings.AccountSid}/Recordings/{sid}.{format}")
        );
        request.Headers.Authorization = BasicAuth();
        if (range is not null)
        {
            request.Headers.TryAddWithoutValidation("Range", range);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public async Task<TwilioDeleteOutcome> DeleteAsync(string sid, CancellationToken cancellationToken)
    {
        try
        {
            return await RecordingResource.DeleteAsync(pathSid: sid, pathAccountSid: settings.AccountSid, client: RestClient())
                ? TwilioDeleteOutcome.Deleted
                : TwilioDeleteOutcome.Failed;
        }
        catch (ApiException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return TwilioDeleteOutcome.NotFound;
        }
        catch (Exception ex) when (ex is ApiException or ApiConnectionException or HttpRequestException or TaskCanceledException)
        {
            return TwilioDeleteOutcome.Failed;
        }
    }

    public async IAsyncEnumerable<Recording> ListAsync(DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = await RecordingResource.ReadAsync(pathAccountSid: settings.AccountSid, pageSize: 1000, client: RestClient());
        foreach (var resource in page)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = resource.Status?.ToString() switch
            {
                "completed" => RecordingStatus.Completed,
                "absent" => RecordingStatus.Absent,
                "failed" => RecordingStatus.Failed,
                "in-progress" or "paused" or "processing" or "stopped" => RecordingStatus.InProgress,
                _ => null, // deleted at Twilio, or a status we do not know: nothing to fill in
            };
            if (status is null || !RecordingStatus.IsRecordingSid(resource.Sid) || !RecordingStatus.IsCallSid(resource.CallSid))
            {
                continue;
            }

            yield return new Recording(
                resource.Sid,
                settings.AccountSid,
                resource.CallSid,
                status,
                int.TryParse(resource.Duration, out var duration) && duration >= 0 ? duration : null,
                resource.Channels,
                resource.Source?.ToString() is { Length: > 0 } source ? Pascal(source) : null,
                resource.StartTime is { } start ? new DateTimeOffset(DateTime.SpecifyKind(start, DateTimeKind.Utc)) : null,
                now,
                now,
                resource.ErrorCode
            );
        }
    }

    private AuthenticationHeaderValue BasicAuth() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid}:{settings.AuthToken}")));

    private TwilioRestClient RestClient() =>
        new(settings.AccountSid, settings.AuthToken, httpClient: new SystemNetHttpClient(httpClients.CreateClient(HttpClientName)));

    // The library spells sources in lower case ("recordverb"); callbacks use Twilio's names ("RecordVerb").
    private static string Pascal(string source) =>
        source switch
        {
            "recordverb" => "RecordVerb",
            "dialverb" => "DialVerb",
            "conference" => "Conference",
            "outboundapi" => "OutboundAPI",
            "trunking" => "Trunking",
            "startcallrecordingapi" => "StartCallRecordingAPI",
            "startconferencerecordingapi" => "StartConferenceRecordingAPI",
            _ => source,
        };
}
