using Gateway.Configuration;

namespace Gateway.Cors;

internal static class CorsExtensions
{
    public const string PolicyName = "gateway";

    /// <summary>
    /// Cross-origin calls with credentials only from the exact origins in ALLOWED_ORIGINS (plus localhost in
    /// Development). Any other origin gets no Access-Control-Allow-Origin, preflight included.
    /// </summary>
    public static IServiceCollection AddGatewayCors(this IServiceCollection services, GatewaySettings settings)
    {
        var allowed = settings.AllowedOrigins.ToHashSet(StringComparer.OrdinalIgnoreCase);
        services.AddCors(options => options.AddPolicy(PolicyName, policy => policy
            .SetIsOriginAllowed(origin => allowed.Contains(origin) || (settings.AllowLocalhostOrigins && IsLocalhost(origin)))
            .AllowCredentials()
            .WithMethods("GET", "HEAD", "POST", "PUT", "DELETE")
            .WithHeaders("Content-Type", "Authorization", "Accept")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return services;
    }

    public static WebApplication UseGatewayCors(this WebApplication app)
    {
        app.UseCors(PolicyName);
        return app;
    }

    private static bool IsLocalhost(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == "/"
        && (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase));
}
