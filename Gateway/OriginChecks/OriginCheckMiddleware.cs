using Gateway.Cors;
using Microsoft.AspNetCore.Http.Features;
using Platform.Security.Tokens;
using ServiceDefaults.Http;

namespace Gateway.OriginChecks;

/// <summary>
/// CSRF and cross-site WebSocket hijacking defence. A state-changing request that rides on the session cookies
/// (no bearer header), and every WebSocket upgrade, must carry an <c>Origin</c> the gateway trusts; otherwise 403.
/// Bearer-authenticated calls are not affected: a browser never adds that header by itself.
/// </summary>
internal sealed class OriginCheckMiddleware(RequestDelegate next, OriginPolicy origins)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var webSocket = IsWebSocketUpgrade(context);
        if (
            !webSocket
            && (
                HttpMethods.IsGet(request.Method)
                || HttpMethods.IsHead(request.Method)
                || HttpMethods.IsOptions(request.Method)
                || HttpMethods.IsTrace(request.Method)
            )
        )
        {
            return next(context);
        }

        var bearer = RequestToken.Find(request)?.Source == TokenSource.BearerHeader;
        var cookies = request.Cookies.ContainsKey(TokenConventions.SessionCookie) || request.Cookies.ContainsKey(TokenConventions.RefreshCookie);
        var origin = request.Headers.Origin.ToString();
        var needsOrigin = webSocket ? !bearer || origin.Length > 0 : cookies && !bearer;
        if (!needsOrigin || (origin.Length > 0 && origins.IsTrusted(request, origin)))
        {
            return next(context);
        }

        context.Items[PlatformAuthentication.RefusalReasonItem] = webSocket ? "websocket-origin" : "csrf-origin";
        return context.WriteProblemAsync(
            StatusCodes.Status403Forbidden,
            "Origin not allowed",
            origin.Length == 0 ? "This request needs an Origin header." : "Requests from this origin may not use the session."
        );
    }

    /// <summary>An HTTP/1.1 <c>Upgrade: websocket</c> or an HTTP/2 extended CONNECT for <c>websocket</c>.</summary>
    public static bool IsWebSocketUpgrade(HttpContext context) =>
        context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase)
        || (
            HttpMethods.IsConnect(context.Request.Method)
            && string.Equals(context.Features.Get<IHttpExtendedConnectFeature>()?.Protocol, "websocket", StringComparison.OrdinalIgnoreCase)
        );
}

internal static partial class OriginCheckExtensions
{
    public static WebApplication UseOriginChecks(this WebApplication app)
    {
        app.UseMiddleware<OriginCheckMiddleware>();
        return app;
    }
}
