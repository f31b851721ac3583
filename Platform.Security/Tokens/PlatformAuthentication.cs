using System.Globalization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
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
                    OnMessageReceived = context =>
                    {
                        var token = RequestToken.Locate(context.Request, out _);
                        if (token.IsEmpty)
                        {
                            context.HttpContext.Items[RefusalReasonItem] = "missing-token";
                            context.NoResult();
                            return Task.CompletedTask;
                        }

                        // A token validated before and still good: served from the cache here, before JwtBearer copies
                        // the token, clones its validation parameters and builds its contexts for every request.
                        if (handler.TryRecall(token, options.TokenValidationParameters.ClockSkew, out var validated))
                        {
                            if (Refuse(revoked, context.HttpContext, validated.Session, validated.IssuedAt))
                            {
                                context.Fail("The session has ended.");
                            }
                            else
                            {
                                context.Principal = validated.Principal;
                                context.Success();
                            }

                            return Task.CompletedTask;
                        }

                        var value = token.ToString();
                        context.Token = value;
                        // A token naming a key we have not seen: perhaps a new key; re-read JWKS (at most once a minute).
                        return !handler.Remembers(value) && Kid(value) is { } kid && !keys.Contains(kid)
                            ? keys.EnsureKnownAsync(kid, context.HttpContext.RequestAborted).AsTask()
                            : Task.CompletedTask;
                    },
                    OnTokenValidated = context =>
                    {
                        var principal = context.Principal;
                        var issuedAt = long.TryParse(principal?.FindFirst("iat")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var iat) ? iat : (long?)null;
                        if (Refuse(revoked, context.HttpContext, principal?.FindFirst(TokenConventions.SessionClaim)?.Value, issuedAt))
                        {
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

        // A token of an ended session (signed out, revoked, or issued before a revoke-all) is refused, cached or not.
        static bool Refuse(RevokedSessions revoked, HttpContext context, string? session, long? issuedAt)
        {
            if (session is null || issuedAt is not { } iat || revoked.IsRevoked(session) || revoked.IsIssuedBeforeRevokeAll(iat))
            {
                context.Items[RefusalReasonItem] = "revoked-session";
                return true;
            }

            return false;
        }
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
