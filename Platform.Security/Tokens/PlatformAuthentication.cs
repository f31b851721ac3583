using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.IdentityModel.JsonWebTokens;
using Platform.Security.Revocation;

namespace Platform.Security.Tokens;

public static class PlatformAuthentication
{
    /// <summary>Why a request was refused, for metrics and logs (set in <c>HttpContext.Items</c>).</summary>
    public const string RefusalReasonItem = "security.refusal-reason";

    /// <summary>
    /// JwtBearer as every verifier (the gateway, the RecordingsService) runs it: keys from the AuthService's JWKS,
    /// the shared validation rules, successful validations cached, revoked sessions refused, and the token found by
    /// <see cref="RequestToken.Find"/>.
    /// </summary>
    public static IServiceCollection AddPlatformJwtBearer(this IServiceCollection services, VerifierSettings settings)
    {
        services.AddSingleton(JwksOptions.Default(settings.JwksUrl));
        services.AddHttpClient(JwksKeyCache.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        services.AddSingleton<JwksKeyCache>();
        services.AddHostedService(provider => provider.GetRequiredService<JwksKeyCache>());
        services.AddSingleton<CachingTokenHandler>();
        services.AddRevocationFeed(new RevocationFeedOptions(settings.RevocationFeedUrl, settings.RevocationPollInterval));
        services.AddHealthChecks().AddCheck<JwksHealthCheck>("jwks", HealthStatus.Degraded);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<JwksKeyCache, CachingTokenHandler, RevokedSessions, TimeProvider>((options, keys, handler, revoked, time) =>
            {
                options.MapInboundClaims = false;
                // Nothing reads the token back from the ticket (the gateway forwards the request's own); saving it
                // would copy it into the authentication properties on every request.
                options.SaveToken = false;
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(handler);
                options.TokenValidationParameters = TokenValidation.CreateParameters(keys.KeysFor, time);
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = async context =>
                    {
                        var token = RequestToken.Find(context.Request)?.Value;
                        if (token is null)
                        {
                            context.HttpContext.Items[RefusalReasonItem] = "missing-token";
                            context.NoResult();
                            return;
                        }

                        context.Token = token;
                        // A token naming a key we have not seen: perhaps a new key; re-read JWKS (at most once a minute).
                        if (!handler.Remembers(token) && Kid(token) is { } kid && !keys.Contains(kid))
                        {
                            await keys.EnsureKnownAsync(kid, context.HttpContext.RequestAborted);
                        }
                    },
                    OnTokenValidated = context =>
                    {
                        var session = context.Principal?.FindFirst(TokenConventions.SessionClaim)?.Value;
                        var issuedAt = context.Principal?.FindFirst("iat")?.Value;
                        if (session is null || revoked.IsRevoked(session)
                            || !long.TryParse(issuedAt, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var iat)
                            || revoked.IsIssuedBeforeRevokeAll(iat))
                        {
                            context.HttpContext.Items[RefusalReasonItem] = "revoked-session";
                            context.Fail("The session has ended.");
                        }

                        return Task.CompletedTask;
                    },
                    OnAuthenticationFailed = context =>
                    {
                        context.HttpContext.Items.TryAdd(RefusalReasonItem, "invalid-token");
                        return Task.CompletedTask;
                    },
                };
            });
        return services;
    }

    private static string? Kid(string token)
    {
        try
        {
            return new JsonWebToken(token).Kid;
        }
        catch (ArgumentException)
        {
            return null; // not a JWT: validation refuses it
        }
    }
}

/// <summary>Degraded (still 200) while no public key has been read: no token can be accepted yet.</summary>
internal sealed class JwksHealthCheck(JwksKeyCache keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(keys.LastSuccess is not null
            ? HealthCheckResult.Healthy("keys loaded")
            : new HealthCheckResult(context.Registration.FailureStatus, "no keys read yet"));
}
