using Microsoft.AspNetCore.Http;

namespace Platform.Security.Tokens;

/// <summary>Where a request's access token came from.</summary>
public enum TokenSource
{
    /// <summary><c>Authorization: Bearer …</c>: an API client, or the gateway forwarding to a service.</summary>
    BearerHeader,

    /// <summary>The <c>__Host-session</c> cookie: the dashboard in a browser.</summary>
    SessionCookie,
}

/// <summary>A request's access token and where it was found.</summary>
public readonly record struct RequestToken(string Value, TokenSource Source)
{
    /// <summary>
    /// The one rule every process applies (the gateway's check, the gateway's forwarding, each service): a bearer
    /// token in the Authorization header, else the session cookie. Any other Authorization scheme carries no token
    /// and does not hide the cookie. A token is never read from a URL.
    /// </summary>
    public static RequestToken? Find(HttpRequest request)
    {
        if (BearerToken(request) is { } bearer)
        {
            return new RequestToken(bearer, TokenSource.BearerHeader);
        }

        return request.Cookies.TryGetValue(TokenConventions.SessionCookie, out var cookie) && !string.IsNullOrEmpty(cookie)
            ? new RequestToken(cookie, TokenSource.SessionCookie)
            : null;
    }

    /// <summary>
    /// The same rule without copying a bearer token out of its header: the token as a span of the header's own
    /// string (or the cookie's); empty when the request carries none.
    /// </summary>
    public static ReadOnlySpan<char> Locate(HttpRequest request, out TokenSource source)
    {
        var bearer = BearerSpan(request.Headers.Authorization.ToString());
        if (!bearer.IsEmpty)
        {
            source = TokenSource.BearerHeader;
            return bearer;
        }

        source = TokenSource.SessionCookie;
        return request.Cookies.TryGetValue(TokenConventions.SessionCookie, out var cookie) ? cookie.AsSpan() : default;
    }

    private static string? BearerToken(HttpRequest request)
    {
        var token = BearerSpan(request.Headers.Authorization.ToString());
        return token.IsEmpty ? null : token.ToString();
    }

    private static ReadOnlySpan<char> BearerSpan(string header) =>
        header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header.AsSpan(7).Trim() : default;
}
