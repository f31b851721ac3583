using System.Net.Http.Headers;
using Platform.Security.Tokens;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Proxy;

/// <summary>
/// Services receive the caller's token as <c>Authorization: Bearer</c>, whether it came in that header or in the
/// <c>__Host-session</c> cookie; the session cookie itself is not forwarded (the refresh cookie is, to /api/auth).
/// </summary>
internal static class TokenForwarding
{
    public static ValueTask ApplyAsync(RequestTransformContext transform)
    {
        var request = transform.HttpContext.Request;
        if (!request.Cookies.TryGetValue(TokenConventions.SessionCookie, out var sessionToken))
        {
            return ValueTask.CompletedTask;
        }

        var outgoing = transform.ProxyRequest.Headers;
        outgoing.Remove("Cookie");
        var others = request.Cookies.Where(c => c.Key != TokenConventions.SessionCookie).Select(c => $"{c.Key}={c.Value}").ToList();
        if (others.Count > 0)
        {
            outgoing.TryAddWithoutValidation("Cookie", string.Join("; ", others));
        }

        if (outgoing.Authorization is null && !string.IsNullOrEmpty(sessionToken))
        {
            outgoing.Authorization = new AuthenticationHeaderValue("Bearer", sessionToken);
        }

        return ValueTask.CompletedTask;
    }
}
