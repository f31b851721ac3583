using System.Net.Http.Headers;
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
        var token = RequestToken.Find(request);
        outgoing.Authorization = token is { } found ? new AuthenticationHeaderValue("Bearer", found.Value) : null;

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
}
