using Gateway.Routing;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy;

/// <summary>
/// A request whose forwarding failed before any response came (the replica refused the connection, closed it on the
/// way out, or died with the request in flight) is sent once more, to another replica, when sending it twice changes
/// nothing: a GET or HEAD, or a POST on a route declared idempotent (Twilio's callback, stored once by its
/// RecordingSid; Twilio does not retry it, so a callback refused here would be a recording lost). Its small body is
/// buffered for that. Other requests are not repeated (a second POST could act twice); they get the error (503 with
/// Retry-After). Sits before load balancing, so the retry chooses again among the replicas that were available, less
/// the one that failed.
/// </summary>
internal static partial class RetryMiddleware
{
    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        var idempotentPost = RouteFacts.For(context).Idempotent;
        if (idempotentPost)
        {
            context.Request.EnableBuffering(); // bounded by the route's body limit (64 KB for callbacks)
        }

        await next();

        var repeatable = idempotentPost || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        var error = context.GetForwarderErrorFeature()?.Error;
        if (
            !repeatable
            || !(error == ForwarderError.Request || (idempotentPost && error == ForwarderError.RequestBodyDestination))
            || context.Response.HasStarted
            || context.RequestAborted.IsCancellationRequested
        )
        {
            return;
        }

        var failed = proxy.ProxiedDestination;
        var others = candidates.Where(destination => !ReferenceEquals(destination, failed)).ToList();
        if (others.Count == 0)
        {
            return;
        }

        if (idempotentPost)
        {
            context.Request.Body.Position = 0;
        }

        proxy.AvailableDestinations = others;
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        Log.Retried(
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RetryMiddleware)),
            context.Request.Method,
            failed?.DestinationId
        );
        await next();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} to {Destination} failed before a response; retried once on another replica")]
        public static partial void Retried(ILogger logger, string method, string? destination);
    }
}
