using Gateway.Configuration;

namespace Gateway.Cors;

/// <summary>
/// Which browser origins the gateway trusts: its own (scheme and host of the request), the exact ones in
/// ALLOWED_ORIGINS and, in Development, localhost. Used for CORS and for the CSRF and WebSocket origin checks.
/// </summary>
internal sealed class OriginPolicy(GatewaySettings settings)
{
    private readonly HashSet<string> _allowed = settings.AllowedOrigins.ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Allowed for cross-origin calls (CORS): the configured origins.</summary>
    public bool IsAllowedCrossOrigin(string origin) => _allowed.Contains(origin) || (settings.AllowLocalhostOrigins && IsLocalhost(origin));

    /// <summary>Allowed to act with the user's cookies: the gateway's own origin or an allowed cross origin.</summary>
    public bool IsTrusted(HttpRequest request, string origin) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase) || IsAllowedCrossOrigin(origin);

    private static bool IsLocalhost(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == "/"
        && (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase));
}
