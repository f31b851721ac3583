using Microsoft.Extensions.Primitives;
using Platform.Security.Tokens;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy;

/// <summary>
/// Services receive exactly the token the gateway checked (<see cref="RequestToken.Find"/>) as
/// <c>Authorization: Bearer</c>, whether it came in that header or in the <c>__Host-session</c> cookie; any other
/// Authorization header is dropped. The session cookie itself is not forwarded (the refresh cookie is, to /api/auth).
/// </summary>
internal static class TokenForwarding
{
    public static ValueTask ApplyAsync(RequestTransformContext transform)
    {
        var request = transform.HttpContext.Request;
        var outgoing = transform.ProxyRequest.Headers;
        // The common case, one well-formed "Bearer <token>" header: YARP has copied it as it came, which is exactly
        // the token checked; it is left alone rather than parsed and re-written.
        if (!IsPlainBearer(request.Headers.Authorization))
        {
            outgoing.Remove("Authorization");
            if (RequestToken.Find(request) is { } found)
            {
                outgoing.TryAddWithoutValidation("Authorization", "Bearer " + found.Value);
            }
        }

        if (request.Cookies.ContainsKey(TokenConventions.SessionCookie))
        {
            outgoing.Remove("Cookie");
            var others = request.Cookies.Where(c => c.Key != TokenConventions.SessionCookie).Select(c => $"{c.Key}={c.Value}").ToList();
            if (others.Count > 0)
            {
                outgoing.TryAddWithoutValidation("Cookie", string.Join("; ", others));
            }
        }

        return ValueTask.CompletedTask;
    }

    private static bool IsPlainBearer(StringValues header) =>
        header.Count == 1
        && header[0] is { Length: > 7 } value
        && value.StartsWith("Bearer ", StringComparison.Ordinal)
        && !char.IsWhiteSpace(value[7])
        && !char.IsWhiteSpace(value[^1])
        && value.AsSpan(7).IndexOfAny(' ', ',') < 0;
}
