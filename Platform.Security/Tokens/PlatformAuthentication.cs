using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.IdentityModel.JsonWebTokens;
using Platform.Security.Revocation;
using ServiceDefaults.Http;

namespace Platform.Security.Tokens;

public static class PlatformAuthentication
{
    /// <summary>Why a request was refused, for metrics and logs (set in <c>HttpContext.Items</c>).</summary>
    public const string RefusalReasonItem = "security.refusal-reason";

    /// <summary>
    /// Set (in <c>HttpContext.Items</c>) when a well-formed token could not be checked because no signing key has been
    /// read yet: the answer is then 503 with Retry-After, never 401 (a 401 signs the dashboard out).
    /// </summary>
    public const string NoKeysYetItem = "security.no-keys-yet";

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
        services.AddSingleton(provider => new HeldTokenCheck(
            provider.GetRequiredService<RevokedSessions>(),
            provider.GetRequiredService<JwksKeyCache>().Contains,
            provider.GetRequiredService<TimeProvider>()
        ));
        services.AddRevocationFeed(new RevocationFeedOptions(settings.RevocationFeedUrl, settings.RevocationPollInterval));
        services.AddHealthChecks().AddCheck<JwksHealthCheck>("jwks");

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services
            .AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<JwksKeyCache, CachingTokenHandler, RevokedSessions, TimeProvider>(
                (options, keys, handler, revoked, time) =>
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
                            // A token naming a key we have not seen: perhaps a new key; re-read JWKS (at most once a second).
                            return !handler.Remembers(value) && Kid(value) is { } kid && !keys.Contains(kid)
                                ? ReadKeysAsync(context, kid)
                                : Task.CompletedTask;
                        },
                        OnChallenge = context => context.HttpContext.Items.ContainsKey(NoKeysYetItem) ? NotReadyAsync(context) : Task.CompletedTask,
                        OnForbidden = ExplainForbiddenAsync,
                        OnTokenValidated = context =>
                        {
                            var (session, issuedAt) = ValidatedToken.SessionOf(context.Principal);
                            if (Refuse(revoked, context.HttpContext, session, issuedAt))
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

                    async Task ReadKeysAsync(MessageReceivedContext context, string kid)
                    {
                        await keys.EnsureKnownAsync(kid, context.HttpContext.RequestAborted);
                        if (!keys.HasKeys)
                        {
                            // This process has not read the AuthService's keys yet (it started first, or cannot reach it): the
                            // token may well be good, so it is neither accepted nor called invalid.
                            context.HttpContext.Items[NoKeysYetItem] = true;
                            context.NoResult();
                        }
                    }
                }
            );
        return services;

        // A token of an ended session (signed out, revoked, or issued before a revoke-all) is refused, cached or not.
        static bool Refuse(RevokedSessions revoked, HttpContext context, string? session, long? issuedAt)
        {
            if (revoked.HasEnded(session, issuedAt))
            {
                context.Items[RefusalReasonItem] = "revoked-session";
                return true;
            }

            return false;
        }
    }

    /// <summary>503 problem+json with Retry-After instead of JwtBearer's 401 (readiness says the same meanwhile).</summary>
    private static Task NotReadyAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        // (A browser asking for a page, Accept: text/html, gets the status and Retry-After without a body.)
        return context.HttpContext.WriteProblemAsync(
            StatusCodes.Status503ServiceUnavailable,
            "Not ready",
            "The signing keys have not been read yet; try again in a moment.",
            retryAfterSeconds: 1
        );
    }

    /// <summary>
    /// JwtBearer's <c>OnForbidden</c> for every verifier: a token that may only enrol a second factor, used for
    /// anything else, gets a 403 that says what to do; other refusals keep the plain 403.
    /// </summary>
    public static Task ExplainForbiddenAsync(ForbiddenContext context)
    {
        if (!context.HttpContext.User.HasClaim(c => c.Type == TokenConventions.EnrollmentClaim))
        {
            return Task.CompletedTask;
        }

        context.HttpContext.Items.TryAdd(RefusalReasonItem, "second-factor-setup-required");
        return context.HttpContext.WriteProblemAsync(
            StatusCodes.Status403Forbidden,
            "Second factor required",
            "Administrators must set up a second factor first (POST /api/auth/mfa/totp/setup, then /confirm).",
            extension: ("mfa", "totp-setup-required")
        );
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

/// <summary>
/// Not ready (503) while no signing key has been read: such a verifier can check no token, and an orchestrator or the
/// gateway should send it nothing yet. Once keys are known, a failing refresh keeps the last keys and stays ready.
/// </summary>
internal sealed class JwksHealthCheck(JwksKeyCache keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(keys.HasKeys ? HealthCheckResult.Healthy("keys loaded") : HealthCheckResult.Unhealthy("no signing keys read yet"));
}
