using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.Security.SignIn;
using Platform.Security.Tokens;
using ServiceDefaults.Http;
using ServiceDefaults.Networking;

namespace Gateway.RateLimiting;

/// <summary>
/// Per-client-IP limits with the IETF <c>RateLimit-Policy</c> and <c>RateLimit</c> headers on every limited response,
/// and 429 problem+json with an exact <c>Retry-After</c> when exceeded. Sign-in also has the per-username rule of
/// <see cref="SignInSlowdown"/>, with each attempt reserved before it is forwarded, and a user's own device
/// (<see cref="KnownDevices"/>) is exempt from it and from sign-in shedding, within a small budget of its own.
/// </summary>
internal sealed class RateLimitingMiddleware(
    RequestDelegate next,
    GatewayRateLimits policies,
    IRateLimitStore store,
    KnownDevices devices,
    TimeProvider time
)
{
    /// <summary>After the AuthService says it is too busy hashing, sign-ins are answered here for this long.</summary>
    public static readonly TimeSpan BusyShedding = TimeSpan.FromSeconds(1);

    private long _signInBusyUntilTicks;

    public async Task InvokeAsync(HttpContext context)
    {
        var policy = policies.For(context);
        if (policy is null)
        {
            await next(context);
            return;
        }

        var isSignIn = ReferenceEquals(policy, policies.Login);
        var now = time.GetUtcNow();
        // Shed before counting: an attempt refused for load costs the client none of its sign-in budget.
        if (isSignIn && !context.Request.Cookies.ContainsKey(DeviceTokens.Cookie) && await ShedAsync(context, now))
        {
            return;
        }

        var key = policy.Name + ":" + ClientKey.For(context.Connection.RemoteIpAddress);
        var hit = await store.HitAsync(key, policy.Window, context.RequestAborted);
        var reset = Seconds(hit.ResetsAt - now);
        var headers = context.Response.Headers;
        headers["RateLimit-Policy"] = policy.Header;
        headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"\"{policy.Name}\";r={Math.Max(0, policy.Limit - hit.Count)};t={reset}");
        if (hit.Count > policy.Limit)
        {
            await RefuseAsync(
                context,
                policy.Name,
                reset,
                $"More than {policy.Limit} requests in {(long)policy.Window.TotalSeconds} s from this address."
            );
            return;
        }

        if (isSignIn)
        {
            await SignInAsync(context, now);
            // Shed here or by the AuthService (503, busy hashing): the attempt is taken back from the address's budget.
            if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
            {
                await store.ReturnAsync(key, policy.Window, hit, CancellationToken.None);
            }

            return;
        }

        await next(context);
    }

    private async Task SignInAsync(HttpContext context, DateTimeOffset now)
    {
        var request = context.Request;
        var presentsDevice = request.Cookies.ContainsKey(DeviceTokens.Cookie);
        var username = await ReadUsernameAsync(request);
        var device = username is null || !presentsDevice ? null : await devices.RecognizeAsync(request.Cookies[DeviceTokens.Cookie], username);
        if (device is not null && !await store.TryBeginDeviceSignInAsync(device, context.RequestAborted))
        {
            // The device has had its failures: its cookie counts no more, here or anywhere after.
            context.Response.Cookies.Delete(
                DeviceTokens.Cookie,
                new CookieOptions
                {
                    Secure = true,
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Path = "/",
                }
            );
            device = null;
        }

        if (device is null && presentsDevice && await ShedAsync(context, now))
        {
            return;
        }

        if (device is null && username is not null)
        {
            var wait = await store.TryBeginSignInAsync(username, context.RequestAborted);
            if (wait > TimeSpan.Zero)
            {
                await RefuseAsync(context, "login-username", Seconds(wait), "Too many failed sign-ins for this username; wait before trying again.");
                return;
            }
        }

        var outcome = SignInOutcome.Undecided;
        try
        {
            await next(context);
            outcome = context.Response.StatusCode switch
            {
                StatusCodes.Status200OK => SignInOutcome.Succeeded,
                StatusCodes.Status401Unauthorized => SignInOutcome.Failed,
                _ => SignInOutcome.Undecided,
            };
        }
        finally
        {
            if (device is not null)
            {
                await store.EndDeviceSignInAsync(device, outcome, CancellationToken.None);
            }
            else if (username is not null)
            {
                await store.EndSignInAsync(username, outcome, CancellationToken.None);
            }
        }

        if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            Interlocked.Exchange(ref _signInBusyUntilTicks, (time.GetUtcNow() + BusyShedding).UtcTicks);
        }
    }

    /// <summary>
    /// The AuthService just refused for lack of hashing capacity: refuse here too for a moment, so a flood costs neither
    /// a forward nor a body parse (a flood spreads over many addresses and usernames). A browser presenting a device
    /// cookie is looked at first: its user's own device is not shed.
    /// </summary>
    private async Task<bool> ShedAsync(HttpContext context, DateTimeOffset now)
    {
        if (now.UtcTicks >= Interlocked.Read(ref _signInBusyUntilTicks))
        {
            return false;
        }

        context.Items[PlatformAuthentication.RefusalReasonItem] = "sign-in-busy";
        await context.WriteProblemAsync(
            StatusCodes.Status503ServiceUnavailable,
            "Busy",
            "Too many sign-ins at once; try again in a second.",
            retryAfterSeconds: 1
        );
        return true;
    }

    private static async Task<string?> ReadUsernameAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            return null;
        }

        // Read the small body once and keep it for the AuthService. Its size is already bounded: routing applied the
        // sign-in route's body limit, so a longer body (declared, chunked or HTTP/2) fails here with 413.
        request.EnableBuffering();
        string? username;
        try
        {
            // Exactly as the AuthService binds and normalises it: "Username" is "username", "Vera" is "vera".
            var signIn = await JsonSerializer.DeserializeAsync(request.Body, SignInRequest.JsonType, request.HttpContext.RequestAborted);
            username = signIn?.NormalizedUsername;
        }
        catch (JsonException)
        {
            username = null; // the AuthService answers malformed JSON itself
        }

        request.Body.Position = 0;
        return username;
    }

    /// <summary>429 problem+json with <c>Retry-After</c>, its reason kept for the refusal metrics.</summary>
    internal static Task RefuseAsync(HttpContext context, string reason, long retryAfterSeconds, string detail)
    {
        context.Items[PlatformAuthentication.RefusalReasonItem] = "rate-limit:" + reason;
        return context.WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many requests", detail, retryAfterSeconds);
    }

    internal static long Seconds(TimeSpan span) => Math.Max(1, (long)Math.Ceiling(span.TotalSeconds));
}

internal static class RateLimitingExtensions
{
    /// <param name="shared">REDIS_URL is set: counters shared by every gateway, this process's own as the fallback.</param>
    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, bool shared)
    {
        services.AddSingleton<GatewayRateLimits>();
        services.AddSingleton<KnownDevices>();
        services.AddSingleton<InMemoryRateLimitStore>();
        if (shared)
        {
            services.AddSingleton<RedisRateLimitStore>();
            services.AddSingleton<IRateLimitStore>(provider => provider.GetRequiredService<RedisRateLimitStore>());
            services.AddHealthChecks().AddCheck<SharedRateLimitsHealthCheck>("rate-limits", HealthStatus.Degraded);
        }
        else
        {
            services.AddSingleton<IRateLimitStore>(provider => provider.GetRequiredService<InMemoryRateLimitStore>());
        }

        return services;
    }

    /// <summary>After routing: the policy is the one the matched route names.</summary>
    public static WebApplication UseGatewayRateLimits(this WebApplication app)
    {
        // A route naming a policy that does not exist stops start-up, as YARP does for authorization policies.
        var policies = app.Services.GetRequiredService<GatewayRateLimits>();
        foreach (var route in Routing.GatewayRoutes.Table)
        {
            policies.Named(route.RateLimit);
        }

        app.UseMiddleware<RateLimitingMiddleware>();
        return app;
    }

    /// <summary>After authentication (it needs the user): wrong second-factor codes count as failed sign-ins do.</summary>
    public static WebApplication UseSecondFactorSlowdown(this WebApplication app)
    {
        app.UseMiddleware<SecondFactorSlowdown>();
        return app;
    }
}

/// <summary>Degraded (still 200) while Redis does not answer and this gateway counts alone.</summary>
internal sealed class SharedRateLimitsHealthCheck(RedisRateLimitStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await store.CheckAsync()
            ? HealthCheckResult.Healthy("shared")
            : new HealthCheckResult(context.Registration.FailureStatus, "counting alone: Redis does not answer");
}
