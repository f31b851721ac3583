using AuthService.Keys;
using AuthService.Sessions;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Platform.Security.Tokens;

namespace AuthService.Authentication;

internal static class AuthenticationSetup
{
    /// <summary>
    /// The AuthService checks its own tokens the way every verifier does (ES256 only, issuer, audience, type,
    /// lifetime with 30 s skew), with its keys read directly, and refuses tokens of ended sessions.
    /// </summary>
    public static IServiceCollection AddTokenAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services
            .AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<KeyRing, TimeProvider>(
                (options, keys, time) =>
                {
                    options.MapInboundClaims = false;
                    options.TokenValidationParameters = TokenValidation.CreateParameters(
                        kid => keys.Published.Where(k => k.Kid == kid).Select(k => (SecurityKey)k.SecurityKey),
                        time
                    );
                    options.Events = new JwtBearerEvents
                    {
                        // The same rule as the gateway's: a bearer header, else the session cookie.
                        OnMessageReceived = context =>
                        {
                            if (RequestToken.Find(context.Request) is { } token)
                            {
                                context.Token = token.Value;
                            }
                            else
                            {
                                context.NoResult();
                            }

                            return Task.CompletedTask;
                        },
                        OnForbidden = PlatformAuthentication.ExplainForbiddenAsync,
                        OnTokenValidated = async context =>
                        {
                            var sessionId = context.Principal?.FindFirst(TokenConventions.SessionClaim)?.Value;
                            var store = context.HttpContext.RequestServices.GetRequiredService<ISessionStore>();
                            var session = sessionId is null ? null : await store.FindAsync(sessionId, context.HttpContext.RequestAborted);
                            if (session is null || session.RevokedAt is not null)
                            {
                                context.Fail("The session has ended.");
                            }
                        },
                    };
                }
            );

        services.AddPlatformAuthorization();
        return services;
    }
}
