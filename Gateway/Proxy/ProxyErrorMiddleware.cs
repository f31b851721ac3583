using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy;

/// <summary>
/// Gives failed forwards the status a client should see; the problem+json body is written by the status-code
/// pages, so no exception text or backend address leaves the gateway.
/// </summary>
internal static class ProxyErrorMiddleware
{
    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        await next();
        var error = context.GetForwarderErrorFeature();
        if (error is null || context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = error.Error switch
        {
            _ when IsBodyTooLarge(error.Exception) => StatusCodes.Status413PayloadTooLarge,
            ForwarderError.NoAvailableDestinations => StatusCodes.Status503ServiceUnavailable,
            // Nothing listens (the service is stopped or restarting): unavailable, and the client may retry soon.
            ForwarderError.Request when IsConnectFailure(error.Exception) => StatusCodes.Status503ServiceUnavailable,
            ForwarderError.RequestTimedOut => StatusCodes.Status504GatewayTimeout,
            ForwarderError.RequestBodyClient or ForwarderError.RequestCanceled => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status502BadGateway,
        };
        if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "5";
        }
    }

    private static bool IsConnectFailure(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsBodyTooLarge(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return true;
            }
        }

        return false;
    }
}
