using AuthService.Audit;
using AuthService.Authentication;
using AuthService.Configuration;
using AuthService.Encryption;
using AuthService.Keys;
using AuthService.Passkeys;
using AuthService.Passwords;
using AuthService.Revocation;
using AuthService.SecondFactor;
using AuthService.Sessions;
using AuthService.Storage;
using AuthService.Tokens;
using AuthService.Users;
using Fido2NetLib;
using Platform.Security.Tokens;
using Platform.Storage;
using Platform.Storage.Audit;
using Platform.Storage.Database;
using ServiceDefaults.Alerts;
using ServiceDefaults.Redis;

namespace AuthService;

internal static class AuthServiceExtensions
{
    public static WebApplicationBuilder AddAuthService(this WebApplicationBuilder builder, AuthSettings settings)
    {
        var services = builder.Services;
        services.AddSingleton(settings.Service);
        services.AddRedis(settings.Service.Redis);
        services.AddServiceDatabase(provider => new AuthDatabase(settings.Database, provider.GetRequiredService<ILogger<AuthDatabase>>()));
        services.AddSingleton<IUserStore, UserStore>();
        services.AddSingleton<ISessionStore, SessionStore>();
        services.AddSingleton<IRevocationFeed, RevocationFeed>();
        services.AddAudit<AuthDatabase>(settings.Audit);
        services.AddStorageFaultHandling();
        services.AddSingleton<KeyRing>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<Sessions.OwnDevices>();
        services.AddSingleton<TokenIssuer>();
        services.AddAlerts(settings.Alerts);
        services.AddSingleton<SignInMonitor>();
        services.AddSingleton<SessionRevoker>();
        services.AddSingleton<SessionService>();
        services.AddSingleton(settings.DataEncryption);
        services.AddSingleton<SecretSealer>();
        services.AddSingleton<SecondFactorStore>();
        services.AddSingleton<SecondFactorService>();
        services.AddSingleton<IFido2>(
            new Fido2(
                new Fido2Configuration
                {
                    RPID = settings.Passkeys.RelyingPartyId,
                    RPName = SecondFactorService.Issuer,
                    Origins = settings.Passkeys.Origins,
                    Timeout = (uint)PasskeyService.CeremonyLifetime.TotalMilliseconds,
                }
            )
        );
        services.AddSingleton<PasskeyStore>();
        services.AddSingleton<PasskeyService>();
        services.AddHostedService<AdminSeeder>();
        services.AddTokenAuthentication();
        services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapAuthService(this WebApplication app)
    {
        // The signing key exists before the first request: JWKS is never empty once /health answers.
        app.Services.GetRequiredService<KeyRing>().EnsureReady();
        app.MapAuthEndpoints();
        app.MapSecondFactorEndpoints();
        app.MapPasskeyEndpoints();
        app.MapUserEndpoints();
        app.MapAuditLog("/api/audit/auth", PlatformPolicies.Admin).WithName("AuthAudit").WithSummary("Sign-in and account events, newest first");
        app.MapJwks();
        app.MapRevocationFeed();
        app.MapOpenApi();
        return app;
    }
}
