using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Demo;

/// <summary>
/// The part of Twilio's REST API the RecordingsService calls, on loopback: a recording's media (WAV made by
/// <see cref="Tones"/>, whichever format is asked, with Range requests), deleting a recording, and the recordings
/// list that sync reads. Requests must carry the demo account's Basic credentials, as Twilio requires.
/// </summary>
internal static partial class TwilioStandIn
{
    private static readonly ConcurrentDictionary<string, byte> Deleted = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, SampleRecording> Known = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, byte[]> Audio = new(StringComparer.Ordinal);

    public static void Remember(SampleRecording recording) => Known[recording.Sid] = recording;

    public static void Map(WebApplication app, DemoSettings settings)
    {
        var account = app.MapGroup("/2010-04-01/Accounts/{accountSid}")
            .AddEndpointFilter(
                async (context, next) =>
                {
                    var http = context.HttpContext;
                    var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid}:{settings.AuthToken}"));
                    if ((string?)http.Request.RouteValues["accountSid"] != settings.AccountSid || http.Request.Headers.Authorization != expected)
                    {
                        return Results.Json(
                            new
                            {
                                code = 20003,
                                message = "Authenticate",
                                status = 401,
                            },
                            statusCode: 401
                        );
                    }

                    return await next(context);
                }
            );

        account.MapGet("/Recordings/{file}", (string file) =>
        {
            var match = MediaFile().Match(file);
            if (!match.Success || Deleted.ContainsKey(match.Groups[1].Value))
            {
                return NotFound();
            }

            var sid = match.Groups[1].Value;
            var wav = Audio.GetOrAdd(sid, s =>
                Tones.Wav(s, Known.TryGetValue(s, out var known) && known.Duration > 0 ? known.Duration : SampleRecordings.DurationOf(s))
            );
            return Results.File(wav, "audio/wav", enableRangeProcessing: true);
        });

        account.MapDelete("/Recordings/{file}", (string file) =>
        {
            var match = JsonFile().Match(file);
            if (!match.Success || !Deleted.TryAdd(match.Groups[1].Value, 0))
            {
                return NotFound();
            }

            return Results.NoContent();
        });

        account.MapGet("/Recordings.json", () => Results.Json(
                new
                {
                    recordings = Known
                        .Values.Where(r => !Deleted.ContainsKey(r.Sid))
                        .OrderByDescending(r => r.StartTime)
                        .Select(r => new
                        {
                            sid = r.Sid,
                            account_sid = settings.AccountSid,
                            call_sid = r.CallSid,
                            status = r.Status,
                            duration = r.Duration.ToString(CultureInfo.InvariantCulture),
                            channels = 1,
                            source = r.Source,
                            start_time = SampleRecordings.Rfc2822(r.StartTime),
                            date_created = SampleRecordings.Rfc2822(r.StartTime),
                            date_updated = SampleRecordings.Rfc2822(r.StartTime + TimeSpan.FromSeconds(r.Duration)),
                            error_code = r.ErrorCode,
                        }),
                    first_page_uri = $"/2010-04-01/Accounts/{settings.AccountSid}/Recordings.json?PageSize=1000&Page=0",
                    next_page_uri = (string?)null,
                    previous_page_uri = (string?)null,
                    uri = $"/2010-04-01/Accounts/{settings.AccountSid}/Recordings.json?PageSize=1000&Page=0",
                    page = 0,
                    page_size = 1000,
                    start = 0,
                    end = Known.Count,
                }
            ));
    }

    private static IResult NotFound() =>
        Results.Json(
            new
            {
                code = 20404,
                message = "The requested resource was not found",
                status = 404,
            },
            statusCode: 404
        );

    [GeneratedRegex(@"^(RE[0-9a-f]{32})\.(mp3|wav)$")]
    private static partial Regex MediaFile();

    [GeneratedRegex(@"^(RE[0-9a-f]{32})\.json$")]
    private static partial Regex JsonFile();
}
