using System.Diagnostics;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy;

/// <summary>
/// The W3C trace context a service receives when the gateway exports no telemetry (with an exporter, HttpClient's
/// own propagation does this and records a client span): <c>traceparent</c> names the gateway's request span, which
/// continues the caller's trace when it sent one, so a service's log lines carry the gateway's trace id. What the
/// client sent is replaced, never passed on beside it.
/// </summary>
internal static class TraceContextForwarding
{
    public static ValueTask ApplyAsync(RequestTransformContext transform)
    {
        var headers = transform.ProxyRequest.Headers;
        headers.Remove("traceparent");
        headers.Remove("tracestate");
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id } activity)
        {
            headers.TryAddWithoutValidation("traceparent", id);
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                headers.TryAddWithoutValidation("tracestate", activity.TraceStateString);
            }
        }

        return ValueTask.CompletedTask;
    }
}
