using Gateway.Configuration;
using Gateway.Proxy;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Model;

namespace Gateway.BodyLimits;

/// <summary>
/// Applies the matched route's body limit (10 MB unless the route asks for less): a declared length above it is
/// refused with 413 before anything is read or forwarded; a chunked body is cut off by Kestrel at the same limit.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = LimitFor(context.GetEndpoint());
        if (context.Request.ContentLength > limit)
        {
            return RejectAsync(context, limit);
        }

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }

        return next(context);
    }

    private static long LimitFor(Endpoint? endpoint)
    {
        var metadata = endpoint?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata;
        return metadata is not null && metadata.TryGetValue(GatewayRoutes.MaxRequestBodyBytesKey, out var value) && long.TryParse(value, out var bytes)
            ? bytes
            : GatewaySettings.MaxRequestBodyBytes;
    }

    private Task RejectAsync(HttpContext context, long limit)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The client may still be sending: don't keep the connection for a body nobody will read.
        context.Response.Headers.Connection = "close";
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "Request body too large",
                Detail = $"This endpoint accepts at most {limit} bytes.",
            },
        }).AsTask();
    }
}
