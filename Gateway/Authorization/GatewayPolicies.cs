using ServiceDefaults.Security;

namespace Gateway.Authorization;

/// <summary>
/// The authorization policies routes may name, in one place. YARP refuses to start with a route whose policy is not
/// registered, so a typo cannot leave a route open.
/// </summary>
internal static class GatewayPolicies
{
    /// <summary>YARP's reserved name: no token needed.</summary>
    public const string Anonymous = "anonymous";

    /// <summary>Any valid, unrevoked token.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>A valid token with role <c>admin</c>.</summary>
    public const string Admin = "admin";

    public static IServiceCollection AddGatewayAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .AddPolicy(SignedIn, policy => policy.RequireAuthenticatedUser())
            .AddPolicy(Admin, policy => policy.RequireAuthenticatedUser().RequireRole(TokenConventions.AdminRole));
        return services;
    }
}
