using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Security.Tokens;
using Platform.Storage.Audit;
using RecordingsService.Audit;
using RecordingsService.Twilio;
using ServiceDefaults.Networking;

namespace RecordingsService.Recordings;

public sealed record SyncResult(int Seen, int Changed);

/// <summary>A deletion done at Twilio whose local record waits for the database (202).</summary>
public sealed record DeletionPending(string Sid, string Status, string Detail);

/// <summary>The recordings API: list, detail, delete (admins) and sync from Twilio (admins). Every use is audited.</summary>
internal static class RecordingsEndpoints
{
    public static IEndpointRouteBuilder MapRecordingsApi(this IEndpointRouteBuilder app)
    {
        var recordings = app.MapGroup("/api/recordings")
            .WithTags("Recordings")
            .RequireAuthorization(PlatformPolicies.SignedIn)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        recordings.MapGet("/", ListAsync).WithName("ListRecordings").WithSummary("Recordings, newest first, filtered and paged by cursor");
        recordings
            .MapGet("/{sid}", GetAsync)
            .WithName("GetRecording")
            .WithSummary("One recording's details")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        recordings
            .MapDelete("/{sid}", DeleteAsync)
            .WithName("DeleteRecording")
            .WithSummary("Delete a recording at Twilio and mark it deleted here")
            .RequireAuthorization(PlatformPolicies.Admin)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        recordings
            .MapPost("/sync", SyncAsync)
            .WithName("SyncRecordings")
            .WithSummary("Read Twilio's recording list and store what callbacks missed")
            .RequireAuthorization(PlatformPolicies.Admin)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return app;
    }

    private static async Task<Results<Ok<RecordingPage>, ValidationProblem>> ListAsync(
        HttpContext context,
        ClaimsPrincipal user,
        IRecordingStore store,
        ListViews listViews,
        CancellationToken cancellationToken
    )
    {
        var (query, errors) = RecordingQuery.Parse(context.Request.Query);
        if (query is null)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        var page = await store.ListAsync(query, cancellationToken);
        listViews.Record(user.Identity?.Name, context.ClientIp(), page.Items.Count); // audited per user and minute
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<Recording>, ProblemHttpResult>> GetAsync(
        string sid,
        HttpContext context,
        ClaimsPrincipal user,
        IRecordingStore store,
        IAuditLog audit,
        CancellationToken cancellationToken
    )
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

        await audit.WriteAsync(RecordingAuditActions.View, user.Identity?.Name, sid, context.ClientIp(), "success", null, cancellationToken);
        return TypedResults.Ok(recording);
    }

    /// <summary>
    /// The intent is audited first (a database that does not answer stops it here: 503, nothing changed). From then on
    /// the deletion runs to its end whatever the client does (a closed tab, a proxy's timeout), so what happened at
    /// Twilio is always recorded here and audited, and the answer says which: 204 done; 502 Twilio refused, nothing
    /// changed; 202 deleted at Twilio, the "deleted" status waiting in the spool for the database.
    /// </summary>
    private static async Task<Results<NoContent, Accepted<DeletionPending>, ProblemHttpResult>> DeleteAsync(
        string sid,
        HttpContext context,
        ClaimsPrincipal user,
        IRecordingStore store,
        RecordingChanges changes,
        IAuditLog audit,
        Webhooks.WebhookSpool spool,
        Alerts.AccessAlerts accessAlerts,
        CancellationToken cancellationToken
    )
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

        var actor = user.Identity?.Name;
        var clientIp = context.ClientIp();
        await audit.WriteAsync(RecordingAuditActions.DeleteRequested, actor, sid, clientIp, "requested", null, cancellationToken);
        var result = await changes.DeleteAsync(recording, new Deletion(RecordingAuditActions.Delete, actor, clientIp, null), CancellationToken.None);
        if (result.Twilio == TwilioDeleteOutcome.Failed)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status502BadGateway,
                title: "Twilio did not delete the recording",
                detail: "Nothing was changed; try again."
            );
        }

        await accessAlerts.CheckAsync(actor, clientIp);
        if (!result.RecordedHere)
        {
            // Stored, like a callback, as soon as the database answers; the spool survives a restart.
            await spool.AppendAsync(result.Deleted, CancellationToken.None);
            return TypedResults.Accepted(
                $"/api/recordings/{sid}",
                new DeletionPending(
                    sid,
                    "deleted-at-twilio",
                    "Deleted at Twilio. This service's database did not answer; the recording is marked deleted here as soon as it does."
                )
            );
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SyncResult>, ProblemHttpResult>> SyncAsync(
        HttpContext context,
        ClaimsPrincipal user,
        ITwilioRecordings twilio,
        RecordingChanges changes,
        IAuditLog audit,
        TimeProvider time,
        CancellationToken cancellationToken
    )
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
                    changed += await changes.ApplyAsync(batch, cancellationToken);
                    batch.Clear();
                }
            }

            changed += await changes.ApplyAsync(batch, cancellationToken);
        }
        catch (Exception ex)
            when (ex is global::Twilio.Exceptions.ApiException or global::Twilio.Exceptions.ApiConnectionException or HttpRequestException)
        {
            await audit.WriteAsync(
                RecordingAuditActions.Sync,
                user.Identity?.Name,
                null,
                context.ClientIp(),
                "failed",
                $"after {seen} recordings",
                cancellationToken
            );
            return TypedResults.Problem(
                statusCode: StatusCodes.Status502BadGateway,
                title: "Twilio's recording list could not be read",
                detail: $"{changed} recording(s) were filled in before the failure."
            );
        }

        await audit.WriteAsync(
            RecordingAuditActions.Sync,
            user.Identity?.Name,
            null,
            context.ClientIp(),
            "success",
            $"{seen} seen, {changed} changed",
            cancellationToken
        );
        return TypedResults.Ok(new SyncResult(seen, changed));
    }

    internal static ProblemHttpResult InvalidSid() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "Invalid recording SID",
            detail: "A recording SID is RE followed by 32 hexadecimal digits."
        );

    internal static ProblemHttpResult NotFound(string sid) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such recording", detail: $"There is no recording {sid}.");
}
