using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Platform.Security.Tokens;
using RecordingsService.Audit;
using RecordingsService.Configuration;
using RecordingsService.Recordings;
using RecordingsService.Twilio;
using ServiceDefaults.Networking;

namespace RecordingsService.Audio;

/// <summary>
/// <c>GET /api/recordings/{sid}/audio</c>: the media streamed from Twilio (never buffered whole), with <c>Range</c>
/// passed through so players can seek, and <c>?download=1</c> for a file download. Twilio's credentials stay here.
/// </summary>
internal static partial class AudioEndpoints
{
    public static IEndpointRouteBuilder MapAudio(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/recordings/{sid}/audio", StreamAsync)
            .WithName("RecordingAudio")
            .WithSummary("A recording's audio from Twilio (MP3 or WAV), with Range requests for seeking")
            .WithTags("Recordings")
            .RequireAuthorization(PlatformPolicies.SignedIn)
            .Produces(StatusCodes.Status200OK, contentType: "audio/mpeg", additionalContentTypes: ["audio/wav"])
            .Produces(StatusCodes.Status206PartialContent)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return app;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult, ValidationProblem>> StreamAsync(
        string sid,
        string? format,
        string? download,
        HttpContext context,
        ClaimsPrincipal user,
        IRecordingStore store,
        ITwilioRecordings twilio,
        AudioAccessAudit accessAudit,
        TwilioSettings twilioSettings,
        ILoggerFactory loggers,
        CancellationToken cancellationToken
    )
    {
        if (!RecordingStatus.IsRecordingSid(sid))
        {
            return RecordingsEndpoints.InvalidSid();
        }

        format ??= "mp3";
        if (format is not ("mp3" or "wav"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["format must be mp3 or wav."] });
        }

        var asAttachment = download is "1" or "true";
        if (download is not null && !asAttachment && download is not ("0" or "false"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["download"] = ["download must be 1 or 0."] });
        }

        var recording = await store.FindAsync(sid, cancellationToken);
        if (recording is null || recording.Status == RecordingStatus.Deleted)
        {
            return RecordingsEndpoints.NotFound(sid);
        }

        // One range, as players send it; anything else is ignored and the whole file is sent.
        var range = context.Request.Headers.Range.ToString();
        var forwardedRange = SingleRange().IsMatch(range) ? range : null;

        HttpResponseMessage media;
        try
        {
            media = await twilio.GetMediaAsync(sid, format, forwardedRange, cancellationToken);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Twilio did not answer within TWILIO_TIMEOUT_SECONDS: say so, rather than hold the player (and a connection) longer.
            LogUnreachable(loggers.CreateLogger(typeof(AudioEndpoints)), sid, ex.Message);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status504GatewayTimeout,
                title: "Audio unavailable",
                detail: $"Twilio did not answer within {twilioSettings.Timeout.TotalSeconds:0} s; try again."
            );
        }
        catch (HttpRequestException ex)
        {
            LogUnreachable(loggers.CreateLogger(typeof(AudioEndpoints)), sid, ex.Message);
            return TwilioUnavailable();
        }

        using (media)
        {
            switch (media.StatusCode)
            {
                case HttpStatusCode.NotFound:
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status404NotFound,
                        title: "No audio",
                        detail: "Twilio has no media for this recording."
                    );
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    context.Response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    CopyHeader(media, context, HeaderNames.ContentRange);
                    return TypedResults.Empty;
                case HttpStatusCode.OK or HttpStatusCode.PartialContent:
                    break;
                default:
                    LogUnreachable(loggers.CreateLogger(typeof(AudioEndpoints)), sid, $"Twilio answered {(int)media.StatusCode}");
                    return TwilioUnavailable();
            }

            // Whatever part is served, before a byte of it: once per play, not per seek.
            await accessAudit.RecordAsync(
                user.Identity?.Name,
                sid,
                asAttachment ? RecordingAuditActions.Download : RecordingAuditActions.Play,
                context.ClientIp(),
                format
            );

            var response = context.Response;
            response.StatusCode = (int)media.StatusCode;
            response.ContentType = format == "mp3" ? "audio/mpeg" : "audio/wav";
            response.Headers.AcceptRanges = "bytes";
            response.Headers.CacheControl = "private, no-store";
            if (media.Content.Headers.ContentLength is { } length)
            {
                response.ContentLength = length;
            }

            CopyHeader(media, context, HeaderNames.ContentRange);
            if (asAttachment)
            {
                response.Headers.ContentDisposition = $"attachment; filename=\"{sid}.{format}\"";
            }

            await using var body = await media.Content.ReadAsStreamAsync(cancellationToken);
            await body.CopyToAsync(response.Body, cancellationToken);
            return TypedResults.Empty;
        }
    }

    private static void CopyHeader(HttpResponseMessage media, HttpContext context, string name)
    {
        if (media.Content.Headers.TryGetValues(name, out var values) || media.Headers.TryGetValues(name, out values))
        {
            context.Response.Headers[name] = values.ToArray();
        }
    }

    private static ProblemHttpResult TwilioUnavailable() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status502BadGateway,
            title: "Audio unavailable",
            detail: "Twilio could not be reached; try again."
        );

    [GeneratedRegex(@"^bytes=\d*-\d*$")]
    private static partial Regex SingleRange();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audio of {RecordingSid} unavailable from Twilio: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string recordingSid, string reason);
}
