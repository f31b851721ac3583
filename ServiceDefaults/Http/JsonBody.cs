using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ServiceDefaults.Http;

/// <summary>Reads a JSON request body with a clear problem for each way it can be wrong.</summary>
public static class JsonBody
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(
        HttpRequest request,
        JsonTypeInfo<T> type,
        CancellationToken cancellationToken
    )
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (
                null,
                TypedResults.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "Unsupported media type",
                    detail: "Send the body as application/json."
                )
            );
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, cancellationToken);
            return value is null ? (null, Invalid("The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException)
        {
            return (null, Invalid("The body is not valid JSON or has a field of the wrong type."));
        }
    }

    public static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: detail);
}
