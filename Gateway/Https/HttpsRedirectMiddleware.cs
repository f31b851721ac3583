using Gateway.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ServiceDefaults.Health;

namespace Gateway.Https;

/// <summary>
/// Plain HTTP only redirects: every request but the <c>/health</c> liveness probe gets 308 (method and body kept)
/// to the same path and query on HTTPS. Nothing else is served without TLS.
/// </summary>
internal sealed class HttpsRedirectMiddleware(RequestDelegate next, GatewaySettings settings, IServer server)
{
    private int _httpsPort = settings.HttpsPublicPort;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps || context.Request.Path.Equals(HealthEndpoints.LivePath, StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        var host = context.Request.Host;
        if (!host.HasValue)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        }

        var port = HttpsPort();
        var authority = port == 443 ? host.Host : $"{host.Host}:{port}";
        var request = context.Request;
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = $"https://{authority}{request.PathBase}{request.Path}{request.QueryString}";
        return Task.CompletedTask;
    }

    // PORT=0 (tests) binds a free port: redirect to the one actually bound.
    private int HttpsPort()
    {
        if (_httpsPort != 0)
        {
            return _httpsPort;
        }

        var bound = server
            .Features.Get<IServerAddressesFeature>()
            ?.Addresses.Select(address => BindingAddress.Parse(address))
            .FirstOrDefault(address => address.Scheme == Uri.UriSchemeHttps)
            ?.Port
            ?? 443;
        return _httpsPort = bound;
    }
}
