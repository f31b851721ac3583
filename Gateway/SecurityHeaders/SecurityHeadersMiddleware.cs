using Gateway.Configuration;
using Microsoft.Extensions.Primitives;

namespace Gateway.SecurityHeaders;

/// <summary>
/// Sets the security headers on every response, proxied or not, as the response starts: after a backend's headers
/// have been copied, so a backend cannot weaken or remove them.
/// </summary>
internal sealed class SecurityHeadersMiddleware
{
    /// <summary>The dashboard needs only same-origin scripts, styles, images, audio and connections (fetch, WebSocket).</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; "
        + "font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'; "
        + "script-src-attr 'none'; upgrade-insecure-requests";

    /// <summary>
    /// A page that must run an inline script of its own (the API reference at /docs) puts a fresh nonce here: its
    /// policy then also admits scripts bearing that nonce, and inline styles (the reference sets its own).
    /// </summary>
    public const string ScriptNonceItem = "SecurityHeaders.ScriptNonce";

    /// <summary>A hashed dashboard asset: public, so other origins (a CDN, a page loading from one) may read it.</summary>
    public const string CrossOriginAssetItem = "SecurityHeaders.CrossOriginAsset";

    public const string StrictTransportSecurity = "max-age=31536000; includeSubDomains";

    private static readonly KeyValuePair<string, StringValues>[] Headers =
    [
        new("Cross-Origin-Opener-Policy", "same-origin"),
        new("Cross-Origin-Resource-Policy", "same-origin"),
        new("Origin-Agent-Cluster", "?1"),
        new("Referrer-Policy", "no-referrer"),
        new("X-Content-Type-Options", "nosniff"),
        new("X-Frame-Options", "DENY"),
        new("X-Permitted-Cross-Domain-Policies", "none"),
        new("X-DNS-Prefetch-Control", "off"),
        new("X-Download-Options", "noopen"),
        new("X-XSS-Protection", "0"),
        new("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ];

    private static readonly string[] Removed = ["Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"];

    private readonly RequestDelegate _next;
    private readonly bool _sendHsts;
    private readonly string _contentSecurityPolicy;
    private readonly Func<object, Task> _apply;

    public SecurityHeadersMiddleware(RequestDelegate next, GatewaySettings settings)
    {
        _next = next;
        _sendHsts = settings.SendHsts;
        _contentSecurityPolicy = PolicyFor(settings.CdnBaseUrl);
        _apply = Apply;
    }

    /// <summary>
    /// The policy as served: with CDN_BASE_URL, its origin (and nothing else) is added where the pages load
    /// scripts, styles, images and fonts from.
    /// </summary>
    public static string PolicyFor(Uri? cdnBaseUrl)
    {
        if (cdnBaseUrl is null)
        {
            return ContentSecurityPolicy;
        }

        var cdn = cdnBaseUrl.GetLeftPart(UriPartial.Authority);
        return ContentSecurityPolicy
            .Replace("script-src 'self';", $"script-src 'self' {cdn};", StringComparison.Ordinal)
            .Replace("style-src 'self';", $"style-src 'self' {cdn};", StringComparison.Ordinal)
            .Replace("img-src 'self' data:;", $"img-src 'self' data: {cdn};", StringComparison.Ordinal)
            .Replace("font-src 'self';", $"font-src 'self' {cdn};", StringComparison.Ordinal);
    }

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(_apply, context);
        return _next(context);
    }

    private Task Apply(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        foreach (var (name, value) in Headers)
        {
            headers[name] = value;
        }

        headers.ContentSecurityPolicy = _contentSecurityPolicy;
        if (context.Items.ContainsKey(CrossOriginAssetItem))
        {
            headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        }

        if (context.Items.TryGetValue(ScriptNonceItem, out var item) && item is string nonce)
        {
            headers.ContentSecurityPolicy = _contentSecurityPolicy
                .Replace("script-src 'self';", $"script-src 'self' 'nonce-{nonce}';", StringComparison.Ordinal)
                .Replace("style-src 'self';", "style-src 'self' 'unsafe-inline';", StringComparison.Ordinal);
        }

        foreach (var name in Removed)
        {
            headers.Remove(name);
        }

        // API answers hold recordings and accounts: never stored by a browser or a shared cache unless a service says otherwise.
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && !headers.ContainsKey("Cache-Control"))
        {
            headers.CacheControl = "no-store";
        }

        if (_sendHsts && context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = StrictTransportSecurity;
        }
        else
        {
            headers.Remove("Strict-Transport-Security");
        }

        return Task.CompletedTask;
    }
}
