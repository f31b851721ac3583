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
        var origins = new OriginPolicy(settings);
        services.AddSingleton(origins);
        services.AddCors(options =>
            options.AddPolicy(PolicyName, policy =>
                policy
                    .SetIsOriginAllowed(origins.IsAllowedCrossOrigin)
                    .AllowCredentials()
                    .WithMethods("GET", "HEAD", "POST", "PUT", "DELETE")
                    .WithHeaders("Content-Type", "Authorization", "Accept")
                    .SetPreflightMaxAge(TimeSpan.FromMinutes(10))
            )
        );
        return services;
    }

    public static WebApplication UseGatewayCors(this WebApplication app)
    {
        app.UseCors(PolicyName);
        return app;
    }
}
