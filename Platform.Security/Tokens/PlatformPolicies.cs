using Microsoft.Extensions.DependencyInjection;

namespace Platform.Security.Tokens;

/// <summary>Authorization policy names every process uses, in one place.</summary>
public static class PlatformPolicies
{
    /// <summary>Any valid, unrevoked token.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>A valid token with role <c>admin</c>.</summary>
    public const string Admin = "admin";

    public static IServiceCollection AddPlatformAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .AddPolicy(SignedIn, policy => policy.RequireAuthenticatedUser())
            .AddPolicy(Admin, policy => policy.RequireAuthenticatedUser().RequireRole(TokenConventions.AdminRole));
        return services;
    }
}
