using Microsoft.AspNetCore.Builder;

namespace ServiceDefaults.Logging;

/// <summary>
/// Endpoint metadata: a request other processes make every second or two (a poll), logged at Verbose when it
/// succeeds, like a health probe, so the request log shows what people and Twilio did. Failures are logged as usual.
/// </summary>
public sealed class RoutineRequest
{
    public static readonly RoutineRequest Instance = new();

    private RoutineRequest() { }
}

public static class RoutineRequestExtensions
{
    public static TBuilder AsRoutineRequest<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(RoutineRequest.Instance);
}
