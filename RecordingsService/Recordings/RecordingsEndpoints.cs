using System.Security.Claims;
using RecordingsService.Audit;
using RecordingsService.LiveEvents;
using RecordingsService.Twilio;
using Platform.Storage.Audit;
using Platform.Security.Tokens;

namespace RecordingsService.Recordings;

public sealed record SyncResult(int Seen, int Changed);

/// <summary>The recordings API: list, detail, delete (admins) and sync from Twilio (admins). Every use is audited.</summary>
internal static class RecordingsEndpoints
{
    public static IEndpointRouteBuilder MapRecordingsApi(this IEndpointRouteBuilder app)
    {
        var recordings = app.MapGroup("/api/recordings").WithTags("Recordings").RequireAuthorization(PlatformPolicies.SignedIn);
        recordings.MapGet("/", ListAsync).WithName("ListRecordings");
        recordings.MapGet("/{sid}", GetAsync).WithName("GetRecording");
        recordings.MapDelete("/{sid}", DeleteAsync).WithName("DeleteRecording").RequireAuthorization(PlatformPolicies.Admin);
        recordings.MapPost("/sync", SyncAsync).WithName("SyncRecordings").RequireAuthorization(PlatformPolicies.Admin);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, ClaimsPrincipal user, IRecordingStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        var (query, errors) = RecordingQuery.Parse(context.Request.Query);
        if (query is null)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        var page = await store.ListAsync(query, cancellationToken);
        await audit.WriteAsync(RecordingAuditActions.List, user.Identity?.Name, null, ClientIp(context), "success", $"{page.Items.Count} shown", cancellationToken);
        return TypedResults.Ok(page);
    }

    private static async Task<IResult> GetAsync(string sid, HttpContext context, ClaimsPrincipal user, IRecordingStore store, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!RecordingStatus.IsRecordingSid(sid))
        {
            return InvalidSid();
        }

        var recording = await store.FindAsync(sid, cancellationToken);
        if (recording is null)
        {
            return NotFound(sid);
        }

        await audit.WriteAsync(RecordingAuditActions.View, user.Identity?.Name, sid, ClientIp(context), "success", null, cancellationToken);
        return TypedResults.Ok(recording);
    }

    private static async Task<IResult> DeleteAsync(
        string sid, HttpContext context, ClaimsPrincipal user, IRecordingStore store, ITwilioRecordings twilio, IRecordingEvents events, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!RecordingStatus.IsRecordingSid(sid))
        {
            return InvalidSid();
        }

        var recording = await store.FindAsync(sid, cancellationToken);
        if (recording is null)
        {
            return NotFound(sid);
        }

        var outcome = await twilio.DeleteAsync(sid, cancellationToken);
        if (outcome == TwilioDeleteOutcome.Failed)
        {
            await audit.WriteAsync(RecordingAuditActions.Delete, user.Identity?.Name, sid, ClientIp(context), "failed", "Twilio refused or could not be reached", cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Twilio did not delete the recording", detail: "Nothing was changed; try again.");
        }

        var deleted = await store.MarkDeletedAsync(sid, time.GetUtcNow(), cancellationToken);
        if (deleted is not null && recording.Status != RecordingStatus.Deleted)
        {
            events.Publish(deleted);
        }

        await audit.WriteAsync(RecordingAuditActions.Delete, user.Identity?.Name, sid, ClientIp(context), "success",
            outcome == TwilioDeleteOutcome.NotFound ? "already gone at Twilio" : null, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SyncAsync(
        HttpContext context, ClaimsPrincipal user, ITwilioRecordings twilio, IRecordingStore store, IRecordingEvents events, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var seen = 0;
        var changed = 0;
        var batch = new List<Recording>(200);
        try
        {
            await foreach (var recording in twilio.ListAsync(time.GetUtcNow(), cancellationToken))
            {
                seen++;
                batch.Add(recording);
                if (batch.Count == 200)
                {
                    changed += await StoreAsync(batch);
                }
            }

            changed += await StoreAsync(batch);
        }
        catch (Exception ex) when (ex is global::Twilio.Exceptions.ApiException or global::Twilio.Exceptions.ApiConnectionException or HttpRequestException)
        {
            await audit.WriteAsync(RecordingAuditActions.Sync, user.Identity?.Name, null, ClientIp(context), "failed", $"after {seen} recordings", cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Twilio's recording list could not be read", detail: $"{changed} recording(s) were filled in before the failure.");
        }

        await audit.WriteAsync(RecordingAuditActions.Sync, user.Identity?.Name, null, ClientIp(context), "success", $"{seen} seen, {changed} changed", cancellationToken);
        return TypedResults.Ok(new SyncResult(seen, changed));

        async Task<int> StoreAsync(List<Recording> recordings)
        {
            var results = await store.UpsertAsync(recordings, cancellationToken);
            recordings.Clear();
            foreach (var result in results.OfType<Recording>())
            {
                events.Publish(result);
            }

            return results.Count(r => r is not null);
        }
    }

    internal static IResult InvalidSid() =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid recording SID", detail: "A recording SID is RE followed by 32 hexadecimal digits.");

    internal static IResult NotFound(string sid) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such recording", detail: $"There is no recording {sid}.");

    internal static string? ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
