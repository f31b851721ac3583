using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Security.Tokens;

/// <summary>Authorization policy names every process uses, in one place.</summary>
public static class PlatformPolicies
{
    /// <summary>Any valid, unrevoked token that is not limited to enrolling a second factor.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>As <see cref="SignedIn"/>, with role <c>admin</c>.</summary>
    public const string Admin = "admin";

    /// <summary>
    /// Any valid, unrevoked token, also one limited to enrolling a second factor: only for who-am-I, sign-out,
    /// the enrolment endpoints and the dashboard's files (which then show the enrolment).
    /// </summary>
    public const string Enrolling = "enrolling";

    public static IServiceCollection AddPlatformAuthorization(this IServiceCollection services)
    {
        services
            .AddAuthorizationBuilder()
            .SetDefaultPolicy(FullAccess().Build())
            .AddPolicy(SignedIn, FullAccess().Build())
            .AddPolicy(Admin, FullAccess().RequireRole(TokenConventions.AdminRole).Build())
            .AddPolicy(Enrolling, policy => policy.RequireAuthenticatedUser());
        return services;
    }

    private static AuthorizationPolicyBuilder FullAccess() =>
        new AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireAssertion(context => !context.User.HasClaim(c => c.Type == TokenConventions.EnrollmentClaim));
}
