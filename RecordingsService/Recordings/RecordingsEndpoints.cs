using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using RecordingsService.Audit;
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
        var recordings = app.MapGroup("/api/recordings").WithTags("Recordings").RequireAuthorization(PlatformPolicies.SignedIn)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        recordings.MapGet("/", ListAsync).WithName("ListRecordings").WithSummary("Recordings, newest first, filtered and paged by cursor");
        recordings.MapGet("/{sid}", GetAsync).WithName("GetRecording").WithSummary("One recording's details")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        recordings.MapDelete("/{sid}", DeleteAsync).WithName("DeleteRecording").WithSummary("Delete a recording at Twilio and mark it deleted here").RequireAuthorization(PlatformPolicies.Admin)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status502BadGateway);
        recordings.MapPost("/sync", SyncAsync).WithName("SyncRecordings").WithSummary("Read Twilio's recording list and store what callbacks missed").RequireAuthorization(PlatformPolicies.Admin)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status502BadGateway);
        return app;
    }

    private static async Task<Results<Ok<RecordingPage>, ValidationProblem>> ListAsync(HttpContext context, ClaimsPrincipal user, IRecordingStore store, ListViews listViews, CancellationToken cancellationToken)
    {
        var (query, errors) = RecordingQuery.Parse(context.Request.Query);
        if (query is null)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        var page = await store.ListAsync(query, cancellationToken);
        listViews.Record(user.Identity?.Name, ClientIp(context), page.Items.Count); // audited per user and minute
        return TypedResults.Ok(page);
    }

    private static async Task<Results<Ok<Recording>, ProblemHttpResult>> GetAsync(string sid, HttpContext context, ClaimsPrincipal user, IRecordingStore store, IAuditLog audit, CancellationToken cancellationToken)
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

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string sid, HttpContext context, ClaimsPrincipal user, IRecordingStore store, RecordingChanges changes, Alerts.AccessAlerts accessAlerts, CancellationToken cancellationToken)
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

        var outcome = await changes.DeleteAsync(recording, new Deletion(RecordingAuditActions.Delete, user.Identity?.Name, ClientIp(context), null), cancellationToken);
        if (outcome == TwilioDeleteOutcome.Failed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Twilio did not delete the recording", detail: "Nothing was changed; try again.");
        }

        await accessAlerts.CheckAsync(user.Identity?.Name, ClientIp(context));
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SyncResult>, ProblemHttpResult>> SyncAsync(
        HttpContext context, ClaimsPrincipal user, ITwilioRecordings twilio, RecordingChanges changes, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
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
        catch (Exception ex) when (ex is global::Twilio.Exceptions.ApiException or global::Twilio.Exceptions.ApiConnectionException or HttpRequestException)
        {
            await audit.WriteAsync(RecordingAuditActions.Sync, user.Identity?.Name, null, ClientIp(context), "failed", $"after {seen} recordings", cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Twilio's recording list could not be read", detail: $"{changed} recording(s) were filled in before the failure.");
        }

        await audit.WriteAsync(RecordingAuditActions.Sync, user.Identity?.Name, null, ClientIp(context), "success", $"{seen} seen, {changed} changed", cancellationToken);
        return TypedResults.Ok(new SyncResult(seen, changed));
    }

    internal static ProblemHttpResult InvalidSid() =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid recording SID", detail: "A recording SID is RE followed by 32 hexadecimal digits.");

    internal static ProblemHttpResult NotFound(string sid) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such recording", detail: $"There is no recording {sid}.");

    internal static string? ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
