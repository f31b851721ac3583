using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Platform.Storage;
using Platform.Storage.Audit;
using RecordingsService.Audit;
using RecordingsService.Configuration;
using RecordingsService.Recordings;
using ServiceDefaults.Http;
using ServiceDefaults.Networking;

namespace RecordingsService.Webhooks;

/// <summary>
/// <c>POST /webhooks/recording</c>: Twilio's recording status callback. Signature first, then the fields, then a
/// durable, idempotent store, and only then 204 and the live event. Anything refused is counted (<see cref="RefusedCallbacks"/>:
/// a metric at once, one audit entry per source and reason each minute); nothing is stored.
/// </summary>
internal static partial class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/recording", HandleAsync)
            .AllowAnonymous()
            .WithName("RecordingCallback")
            .WithTags("Webhooks")
            .WithSummary("Twilio's recording status callback (stored once per recording and status)")
            .WithDescription(
                "Called by Twilio, not by people: the X-Twilio-Signature header must be Twilio's signature of this URL and form with "
                    + "the account's auth token, else 403."
            )
            .WithRequestBody(typeof(RecordingCallbackForm), "application/x-www-form-urlencoded")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithBodyLimit(BodyLimits.TwilioCallbackBytes);
        return app;
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> HandleAsync(
        HttpContext context,
        TwilioSignature signatures,
        RecordingChanges changes,
        WebhookSpool spool,
        RefusedCallbacks refusals,
        SecondaryTokenCallbacks secondaryToken,
        WebhookMetrics metrics,
        TwilioSettings twilio,
        TimeProvider time
    )
    {
        var request = context.Request;
        var clientIp = context.ClientIp();
        // The raw body is read once and kept: the signature covers it exactly as posted. Its size is bounded by the
        // endpoint's body limit (a longer one fails this read with 413).
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var (refusal, signedBy, fields) = Verify(request, body, signatures.UrlFor(context), signatures);
        if (refusal is not null)
        {
            refusals.Record(clientIp, "refused", refusal);
            return Refused("The callback's signature is missing or does not match.");
        }

        if (signedBy == SigningToken.Secondary)
        {
            secondaryToken.Record();
        }

        if (fields is null)
        {
            refusals.Record(clientIp, "invalid", "body");
            return Invalid(new Dictionary<string, string[]> { ["body"] = ["The JSON body must be an object of string or number fields."] }, metrics);
        }

        var (recording, errors, wrongAccount) = RecordingCallback.Parse(fields, twilio.AccountSid, time.GetUtcNow());
        if (wrongAccount)
        {
            refusals.Record(clientIp, "refused", "other-account");
            return Refused("The callback is for another Twilio account.");
        }

        if (recording is null)
        {
            refusals.Record(clientIp, "invalid", string.Join("; ", errors.Keys));
            return Invalid(errors, metrics);
        }

        return await StoreAsync(recording, context, changes, spool, metrics);
    }

    /// <summary>
    /// Who signed the callback (the auth token or the secondary one) and its fields, or why it is refused: the JSON
    /// variant is signed over its body's hash (<c>bodySHA256</c>), a form over its fields; anything else is refused.
    /// </summary>
    private static Verification Verify(HttpRequest request, string body, string url, TwilioSignature signatures)
    {
        var signature = request.Headers["X-Twilio-Signature"].ToString();
        if (signature.Length == 0)
        {
            return Verification.Refuse("missing-signature");
        }

        if (request.HasJsonContentType())
        {
            var signedBy = request.Query.ContainsKey("bodySHA256") ? signatures.JsonSignedBy(url, body, signature) : null;
            return signedBy is null ? Verification.Refuse("wrong-signature") : new Verification(null, signedBy, JsonFields(body));
        }

        if (!IsUrlEncodedForm(request))
        {
            return Verification.Refuse("unsupported-content-type");
        }

        if (ReadForm(body) is not { } form)
        {
            return Verification.Refuse("malformed-body");
        }

        return signatures.FormSignedBy(url, form, signature) is { } formSignedBy
            ? new Verification(
                null,
                formSignedBy,
                form.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal)
            )
            : Verification.Refuse("wrong-signature");
    }

    /// <summary>Stored durably and idempotently, or, with the database away, kept in the spool: 204 either way.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> StoreAsync(
        Recording recording,
        HttpContext context,
        RecordingChanges changes,
        WebhookSpool spool,
        WebhookMetrics metrics
    )
    {
        Recording? changed;
        try
        {
            changed = await changes.ApplyAsync(recording, context.RequestAborted);
        }
        catch (Exception ex) when (DatabaseFaults.IsStoreFailure(ex))
        {
            // Twilio does not retry: rather than refuse it, keep it on local disk until the database takes it.
            try
            {
                await spool.AppendAsync(recording, CancellationToken.None);
                metrics.Received.Add(1, new KeyValuePair<string, object?>("outcome", "spooled"));
                return TypedResults.NoContent();
            }
            catch (IOException)
            {
                metrics.Received.Add(1, new KeyValuePair<string, object?>("outcome", "store-failed"));
                context.Response.Headers.RetryAfter = "5";
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "Not stored",
                    detail: "The recording could not be stored; please retry."
                );
            }
        }

        metrics.Received.Add(1, new KeyValuePair<string, object?>("outcome", changed is null ? "unchanged" : "stored"));
        return TypedResults.NoContent();
    }

    /// <summary>What <see cref="Verify"/> found: a refusal reason, or who signed and the fields (null: not a JSON object).</summary>
    private sealed record Verification(string? Refusal, SigningToken? SignedBy, Dictionary<string, string>? Fields)
    {
        public static Verification Refuse(string reason) => new(reason, null, null);
    }

    private static ProblemHttpResult Refused(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Callback refused", detail: detail);

    private static ValidationProblem Invalid(Dictionary<string, string[]> errors, WebhookMetrics metrics)
    {
        metrics.Received.Add(1, new KeyValuePair<string, object?>("outcome", "invalid"));
        return TypedResults.ValidationProblem(errors, title: "Invalid callback");
    }

    /// <summary>
    /// Twilio posts <c>application/x-www-form-urlencoded</c>; another form type (multipart/form-data) is not parsed as
    /// if it were one, even when the body happens to be urlencoded and signed.
    /// </summary>
    private static bool IsUrlEncodedForm(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    /// <summary>The form's fields as posted, or null when the body is not a form (a key of 2,048+ characters, 1,024+ fields).</summary>
    private static List<KeyValuePair<string, string>>? ReadForm(string body)
    {
        try
        {
            return [.. new FormReader(body).ReadForm().SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? "")))];
        }
        catch (InvalidDataException)
        {
            return null; // beyond FormReader's limits: no callback, refused like a wrong signature (not a 500)
        }
    }

    /// <summary>The JSON variant's fields as strings (numbers kept as written).</summary>
    private static Dictionary<string, string>? JsonFields(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                fields[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.Null => "",
                    _ => "\u0000", // objects, arrays, booleans: no Twilio field has them; they fail validation
                };
            }

            return fields;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
