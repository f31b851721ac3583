using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AuthService.Authentication;
using AuthService.Configuration;
using AuthService.Passwords;
using AuthService.SecondFactor;
using AuthService.Tokens;
using AuthService.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Security.SignIn;
using Platform.Security.Tokens;
using ServiceDefaults.Http;
using ServiceDefaults.Networking;

namespace AuthService.Sessions;

/// <summary>An API client's refresh token; browsers send the cookie and an empty body instead.</summary>
public sealed record RefreshRequest([property: JsonPropertyName("refresh_token")] string? RefreshToken = null);

/// <summary>
/// A new session's tokens. A browser gets them only as HttpOnly cookies: the tokens are left out of the body, so a
/// script injected into the page cannot read them; an API client gets them here. (Init properties rather than a
/// positional record: the API document then requires only what every answer carries.)
/// </summary>
public sealed record TokenResponse
{
    [JsonPropertyName("access_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AccessToken { get; init; }

    [JsonPropertyName("token_type")]
    public required string TokenType { get; init; }

    [JsonPropertyName("expires_in")]
    public required int ExpiresIn { get; init; }

    [JsonPropertyName("refresh_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RefreshToken { get; init; }
}

/// <summary>
/// Who is signed in, and when the access token expires (so the dashboard refreshes it in time); whether they have a
/// second factor and how many passkeys, and whether they must set one up before anything else (MFA_REQUIRED_FOR_ADMINS:
/// a passkey or TOTP; <see cref="PasskeyRequired"/>: a passkey).
/// </summary>
public sealed record MeResponse(
    string Username,
    string Role,
    DateTimeOffset ExpiresAt,
    bool Mfa,
    bool MfaSetupRequired,
    int Passkeys,
    bool PasskeyRequired
);

internal static class AuthEndpoints
{
    // The same bytes for an unknown user, a wrong password and a disabled account.
    private static readonly string InvalidCredentialsBody = UnauthorizedBody("Invalid credentials", "The username or password is wrong.");

    // The password was right: the answer says a second factor is needed ("mfa": "totp"), as most services do.
    private static readonly string CodeRequiredBody = UnauthorizedBody(
        "Second factor required",
        "Enter the code from your authenticator app, or a recovery code.",
        mfa: "totp"
    );

    // The password was right, but this admin signs in with a passkey (PASSKEYS_REQUIRED_FOR_ADMINS).
    private static readonly string PasskeyRequiredBody = UnauthorizedBody(
        "Passkey required",
        "This account signs in with a passkey.",
        mfa: "passkey"
    );

    private static readonly string WrongCodeBody = UnauthorizedBody("Second factor required", "The code is wrong or was already used.", mfa: "totp");

    private static readonly string SessionEndedBody = UnauthorizedBody("Session ended", "Sign in again.");

    /// <summary>
    /// A 401 problem written once, without the per-request <c>traceId</c> TypedResults.Problem adds, so the answers that
    /// must not tell cases apart are the same bytes every time.
    /// </summary>
    internal static string UnauthorizedBody(string title, string detail, string? mfa = null)
    {
        var problem = new JsonObject
        {
            ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
            ["title"] = title,
            ["status"] = StatusCodes.Status401Unauthorized,
            ["detail"] = detail,
        };
        if (mfa is not null)
        {
            problem["mfa"] = mfa;
        }

        return problem.ToJsonString();
    }

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Sign-in");
        // Typed results declare the successes; the errors each handler can answer are declared here.
        auth.MapPost("/login", LoginAsync)
            .WithName("Login")
            .AllowAnonymous()
            .WithSummary("Sign in with username, password and, for an account with a second factor, a code")
            .WithRequestBody(typeof(SignInRequest), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        auth.MapPost("/refresh", RefreshAsync)
            .WithName("Refresh")
            .AllowAnonymous()
            .WithSummary("Swap a refresh token (the cookie, or this body) for a new pair; the old one dies")
            .WithRequestBody(typeof(RefreshRequest), "application/json", required: false)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        // Open to a token that may only enrol a second factor: it must still learn who it is and be able to sign out.
        auth.MapPost("/logout", LogoutAsync)
            .WithName("Logout")
            .WithSummary("Sign out: end this session")
            .RequireAuthorization(PlatformPolicies.Enrolling)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapGet("/me", MeAsync)
            .WithName("Me")
            .WithSummary("Who is signed in, until when, and whether they have (or must set up) a second factor")
            .RequireAuthorization(PlatformPolicies.Enrolling)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return app;
    }

    private static async Task<Results<Ok<TokenResponse>, ContentHttpResult, ProblemHttpResult>> LoginAsync(
        HttpContext context,
        SessionService sessions,
        OwnDevices ownDevices,
        TokenIssuer issuer,
        CancellationToken cancellationToken
    )
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, SignInRequest.JsonType, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(request!.Username) || string.IsNullOrEmpty(request.Password))
        {
            return JsonBody.Invalid("Both username and password are required.");
        }

        if (!UsernameRules.IsValid(request.Username))
        {
            return JsonBody.Invalid("The username must be 3 to 64 letters, digits, '.', '_' or '-'.");
        }

        if (!PasswordRules.FitsBcrypt(request.Password))
        {
            return JsonBody.Invalid($"The password is longer than {PasswordRules.MaxBytes} bytes.");
        }

        if (request.Code is { Length: > 64 })
        {
            return JsonBody.Invalid("The code is longer than 64 characters.");
        }

        var ownDevice = await ownDevices.PresentsAsync(context.Request, UsernameRules.Normalize(request.Username));
        var outcome = await sessions.SignInAsync(request.Username, request.Password, request.Code, context.ClientIp(), ownDevice, cancellationToken);
        if (outcome.Tokens is { } signedIn)
        {
            // This browser (or client) is now a known device of the user: its next sign-ins skip the slowdown.
            AuthCookies.SetDevice(context.Response, issuer.CreateDeviceToken(signedIn.Username));
        }

        return outcome.Failure switch
        {
            SignInFailure.Busy => Busy(context),
            SignInFailure.InvalidCredentials => TypedResults.Text(
                InvalidCredentialsBody,
                "application/problem+json",
                statusCode: StatusCodes.Status401Unauthorized
            ),
            SignInFailure.PasskeyRequired => TypedResults.Text(
                PasskeyRequiredBody,
                "application/problem+json",
                statusCode: StatusCodes.Status401Unauthorized
            ),
            SignInFailure.SecondFactorRequired => TypedResults.Text(
                string.IsNullOrWhiteSpace(request.Code) ? CodeRequiredBody : WrongCodeBody,
                "application/problem+json",
                statusCode: StatusCodes.Status401Unauthorized
            ),
            _ => (Results<Ok<TokenResponse>, ContentHttpResult, ProblemHttpResult>)Issued(context, outcome.Tokens!, sessions),
        };
    }

    private static async Task<Ok<MeResponse>> MeAsync(
        ClaimsPrincipal user,
        IUserStore users,
        AuthSettings settings,
        CancellationToken cancellationToken
    )
    {
        var role = user.FindFirstValue(TokenConventions.RoleClaim)!;
        var stored = await users.FindAsync(user.Identity!.Name!, cancellationToken);
        return TypedResults.Ok(
            new MeResponse(
                user.Identity.Name!,
                role,
                DateTimeOffset.FromUnixTimeSeconds(long.Parse(user.FindFirstValue("exp")!, CultureInfo.InvariantCulture)),
                stored?.HasSecondFactor == true,
                user.HasClaim(c => c.Type == TokenConventions.EnrollmentClaim),
                stored?.Passkeys ?? 0,
                settings.PasskeysRequiredForAdmins && role == TokenConventions.AdminRole
            )
        );
    }

    private static async Task<Results<Ok<TokenResponse>, ContentHttpResult, ProblemHttpResult>> RefreshAsync(
        HttpContext context,
        SessionService sessions,
        CancellationToken cancellationToken
    )
    {
        // The dashboard sends the cookie; API clients may send {"refresh_token": "…"} instead.
        string? token = null;
        if (context.Request.ContentLength > 0 || context.Request.HasJsonContentType())
        {
            var (request, problem) = await JsonBody.ReadAsync(context.Request, AuthJsonContext.Default.RefreshRequest, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            token = request!.RefreshToken;
        }

        token ??= context.Request.Cookies[TokenConventions.RefreshCookie];
        if (string.IsNullOrEmpty(token) || token.Length > 256)
        {
            return SessionEnded(context);
        }

        var tokens = await sessions.RefreshAsync(token, context.ClientIp(), cancellationToken);
        return tokens is null ? SessionEnded(context) : Issued(context, tokens, sessions);
    }

    private static async Task<NoContent> LogoutAsync(
        HttpContext context,
        ClaimsPrincipal user,
        SessionService sessions,
        CancellationToken cancellationToken
    )
    {
        await sessions.SignOutAsync(user.FindFirstValue(TokenConventions.SessionClaim)!, user.Identity!.Name!, context.ClientIp(), cancellationToken);
        AuthCookies.Clear(context.Response);
        return TypedResults.NoContent();
    }

    internal static Ok<TokenResponse> Issued(HttpContext context, TokenPair tokens, SessionService sessions)
    {
        AuthCookies.Set(context.Response, tokens, sessions.RefreshCookieExpiry());
        context.Response.Headers.CacheControl = "no-store";
        var expiresIn = (int)Math.Round((tokens.Access.ExpiresAt - sessions.Now()).TotalSeconds);
        return IsBrowser(context.Request)
            ? TypedResults.Ok(new TokenResponse { TokenType = "Bearer", ExpiresIn = expiresIn })
            : TypedResults.Ok(
                new TokenResponse
                {
                    AccessToken = tokens.Access.Value,
                    TokenType = "Bearer",
                    ExpiresIn = expiresIn,
                    RefreshToken = tokens.RefreshToken,
                }
            );
    }

    /// <summary>
    /// A browser always sends <c>Origin</c> on a POST and <c>Sec-Fetch-Site</c> on every request, and no script can
    /// remove either (forbidden header names); API clients send neither.
    /// </summary>
    private static bool IsBrowser(HttpRequest request) => request.Headers.Origin.Count > 0 || request.Headers.ContainsKey("Sec-Fetch-Site");

    private static ContentHttpResult SessionEnded(HttpContext context)
    {
        AuthCookies.Clear(context.Response);
        return TypedResults.Text(SessionEndedBody, "application/problem+json", statusCode: StatusCodes.Status401Unauthorized);
    }

    internal static ProblemHttpResult Busy(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Busy",
            detail: "Too many password checks at once; try again in a second."
        );
    }
}
