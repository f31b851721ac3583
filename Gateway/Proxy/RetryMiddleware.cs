using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy;

/// <summary>
/// A GET or HEAD whose forwarding failed before any response came (the replica refused the connection, or closed it
/// on the way out) is sent once more, to another replica: the client never sees a replica that just went away.
/// Other methods are not repeated (a second POST could store twice); they get the error (503 with Retry-After).
/// Sits before load balancing, so the retry chooses again among the replicas that were available, less the one that failed.
/// </summary>
internal static partial class RetryMiddleware
{
    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        await next();

        if (!(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            || context.GetForwarderErrorFeature() is not { Error: ForwarderError.Request }
            || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var failed = proxy.ProxiedDestination;
        var others = candidates.Where(destination => !ReferenceEquals(destination, failed)).ToList();
        if (others.Count == 0)
        {
            return;
        }

        proxy.AvailableDestinations = others;
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        Log.Retried(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RetryMiddleware)), context.Request.Method, failed?.DestinationId);
        await next();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} to {Destination} failed before a response; retried once on another replica")]
        public static partial void Retried(ILogger logger, string method, string? destination);
    }
}
