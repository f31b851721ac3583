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

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header[7..].Trim();
        return token.Length > 0 ? token : null;
    }
}
