using System.Security.Cryptography;
using Gateway.Authorization;
using Gateway.Dashboard;
using Gateway.RateLimiting;
using Gateway.Routing;
using Gateway.SecurityHeaders;
using Scalar.AspNetCore;

namespace Gateway.ApiDocs;

/// <summary>
/// <c>GET /openapi/v1.json</c> (<see cref="PublicApiDocument"/>) and the interactive reference at <c>/docs</c>
/// (Scalar, its scripts served from this gateway), both for signed-in users.
/// </summary>
internal static class ApiDocsExtensions
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddApiDocs(this IServiceCollection services) => services.AddSingleton<PublicApiDocument>();

    public static WebApplication MapApiDocs(this WebApplication app)
    {
        var limited = new RouteFacts(RateLimitPolicies.Global);
        app.MapGet(DocumentPath, async (HttpContext context, PublicApiDocument document) =>
            {
                var json = await document.GetAsync(context.RequestAborted);
                if (json is null)
                {
                    context.Response.Headers.RetryAfter = "5";
                    return Results.Problem(
                        statusCode: StatusCodes.Status503ServiceUnavailable,
                        title: "Not available",
                        detail: "A service's API description cannot be read right now; try again in a moment."
                    );
                }

                context.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(json, "application/json");
            })
            .RequireAuthorization(GatewayPolicies.SignedIn)
            .WithMetadata(limited)
            .WithDisplayName("API description")
            .ExcludeFromDescription();

        // Signed in like the dashboard: a browser without a session is sent to sign in. Scalar's page runs only its
        // own scripts (this response's nonce), loads nothing from elsewhere and reports nothing; its AI chat, MCP and
        // developer toolbar (links and services outside this deployment) are off.
        app.MapScalarApiReference("/docs", (options, context) =>
            {
                var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
                context.Items[SecurityHeadersMiddleware.ScriptNonceItem] = nonce;
                options
                    .WithTitle("Call recordings API")
                    .WithOpenApiRoutePattern(DocumentPath)
                    .WithNonce(nonce)
                    .DisableDefaultFonts()
                    .DisableTelemetry()
                    .HideClientButton()
                    .HideDeveloperTools()
                    .DisableAgent()
                    .DisableMcp()
                    .WithDotNetFlag(false);
            })
            .RequireAuthorization(GatewayPolicies.SignedIn)
            .WithMetadata(limited, new DashboardFile());
        return app;
    }
}
