using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDefaults.Http;

/// <summary>
/// An endpoint's request body limit. Routing applies it (<see cref="IRequestSizeLimitMetadata"/>) as soon as the endpoint is matched, before
/// anything can read the body.
/// </summary>
public sealed record BodyLimit(long Bytes) : IRequestSizeLimitMetadata
{
    long? IRequestSizeLimitMetadata.MaxRequestBodySize => Bytes;
}

/// <summary>
/// One way to limit request bodies, for the gateway and the services: the limit is endpoint metadata
/// (<see cref="WithBodyLimit{TBuilder}"/>), which routing turns into Kestrel's limit for that request (chunked and
/// HTTP/2 bodies included); <see cref="UseBodyLimits"/> then refuses a declared length above it with 413 before
/// anything reads the body, and a body that turns out longer fails its read with 413
/// (<see cref="BadRequestExceptionHandler"/>).
/// </summary>
public static class BodyLimits
{
    /// <summary>
    /// A Twilio recording status callback: a few hundred bytes of form fields; 64 KB leaves room for any Twilio adds.
    /// The gateway's route and the RecordingsService's endpoint both apply it.
    /// </summary>
    public const int TwilioCallbackBytes = 64 * 1024;

    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new BodyLimit(bytes));

    /// <summary>After <c>UseRouting</c>, before anything that reads a body.</summary>
    public static IApplicationBuilder UseBodyLimits(this IApplicationBuilder app) =>
        app.Use(
            static (context, next) =>
            {
                // The endpoint's own limit, else the server's (Kestrel's overall limit).
                var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
                    ?? context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
                return limit is not null && context.Request.ContentLength > limit ? TooLargeAsync(context, limit.Value) : next(context);
            }
        );

    private static Task TooLargeAsync(HttpContext context, long limit)
    {
        // The client may still be sending: don't keep the connection for a body nobody will read.
        context.Response.Headers.Connection = "close";
        return context.WriteProblemAsync(
            StatusCodes.Status413PayloadTooLarge,
            "Request body too large",
            $"This endpoint accepts at most {limit} bytes."
        );
    }
}
