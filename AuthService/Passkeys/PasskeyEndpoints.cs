using System.Security.Claims;
using System.Text.Json;
using AuthService.Authentication;
using AuthService.Sessions;
using AuthService.Tokens;
using Fido2NetLib;
using Fido2NetLib.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Security.Tokens;
using ServiceDefaults.Http;
using ServiceDefaults.Networking;

namespace AuthService.Passkeys;

/// <summary>A ceremony begun: its id, sent back to finish it, and the options for the browser's WebAuthn call.</summary>
public sealed record PasskeyOptionsResponse(string Ceremony, JsonElement Options);

/// <summary>Finishing a registration: the ceremony, a name the user recognises, and <c>credential.toJSON()</c>.</summary>
public sealed record PasskeyRegisterRequest(string? Ceremony, string? Name, JsonElement? Credential);

/// <summary>Finishing a sign-in: the ceremony and <c>credential.toJSON()</c> of the assertion.</summary>
public sealed record PasskeySignInRequest(string? Ceremony, JsonElement? Credential);

public sealed record PasskeyList(IReadOnlyList<PasskeyView> Items);

/// <summary>
/// Passkeys: a signed-in user registers, lists and removes their own (registering is open to a token that may only
/// enrol); anyone signs in with one without typing a username. A refused sign-in is one uniform 401, audited with
/// its reason; a refused registration is a 400 that says why.
/// </summary>
internal static class PasskeyEndpoints
{
    /// <summary>How recent the sign-in must be to remove a passkey.</summary>
    public static readonly TimeSpan FreshSignIn = TimeSpan.FromMinutes(5);

    private static readonly string RefusedBody = AuthEndpoints.UnauthorizedBody(
        "Passkey not accepted",
        "Sign in again, with a passkey of this site."
    );

    public static IEndpointRouteBuilder MapPasskeyEndpoints(this IEndpointRouteBuilder app)
    {
        var passkeys = app.MapGroup("/api/auth/passkeys").WithTags("Passkeys");
        passkeys
            .MapPost("/register/options", BeginRegistrationAsync)
            .WithName("BeginPasskeyRegistration")
            .RequireAuthorization(PlatformPolicies.Enrolling)
            .WithSummary("Start registering a passkey: options for navigator.credentials.create, valid five minutes, once")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        passkeys
            .MapPost("/register", FinishRegistrationAsync)
            .WithName("RegisterPasskey")
            .RequireAuthorization(PlatformPolicies.Enrolling)
            .WithSummary("Finish registering: the ceremony, a name, and the new credential's JSON")
            .WithRequestBody(typeof(PasskeyRegisterRequest), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        passkeys
            .MapGet("/", ListAsync)
            .WithName("ListPasskeys")
            .RequireAuthorization(PlatformPolicies.SignedIn)
            .WithSummary("The signed-in user's passkeys: name, created, last used")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        passkeys
            .MapDelete("/{id}", RemoveAsync)
            .WithName("RemovePasskey")
            .RequireAuthorization(PlatformPolicies.SignedIn)
            .WithSummary("Remove one of the signed-in user's passkeys (the sign-in must be at most five minutes old)")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        passkeys
            .MapPost("/login/options", BeginSignInAsync)
            .WithName("BeginPasskeySignIn")
            .AllowAnonymous()
            .WithSummary("Start signing in with a passkey: options for navigator.credentials.get, valid five minutes, once");
        passkeys
            .MapPost("/login", FinishSignInAsync)
            .WithName("PasskeySignIn")
            .AllowAnonymous()
            .WithSummary("Sign in with a passkey: the ceremony and the assertion's JSON; answers as the password sign-in does")
            .WithRequestBody(typeof(PasskeySignInRequest), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    private static async Task<Ok<PasskeyOptionsResponse>> BeginRegistrationAsync(
        HttpContext context,
        ClaimsPrincipal user,
        PasskeyService passkeys,
        CancellationToken cancellationToken
    )
    {
        var (ceremony, options) = await passkeys.BeginRegistrationAsync(user.Identity!.Name!, cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new PasskeyOptionsResponse(ceremony, JsonElement.Parse(options)));
    }

    private static async Task<Results<Created<PasskeyView>, ProblemHttpResult>> FinishRegistrationAsync(
        HttpContext context,
        ClaimsPrincipal user,
        PasskeyService passkeys,
        CancellationToken cancellationToken
    )
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, AuthJsonContext.Default.PasskeyRegisterRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var name = request!.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > PasskeyService.MaxNameLength || name.Any(char.IsControl))
        {
            return JsonBody.Invalid($"name must be 1 to {PasskeyService.MaxNameLength} characters, without control characters.");
        }

        if (string.IsNullOrEmpty(request.Ceremony) || request.Ceremony.Length > 64)
        {
            return JsonBody.Invalid("ceremony must be the id /api/auth/passkeys/register/options answered.");
        }

        if (Read<AuthenticatorAttestationRawResponse>(request.Credential) is not { } credential)
        {
            return JsonBody.Invalid("credential must be the new credential's JSON (PublicKeyCredential.toJSON()).");
        }

        var outcome = await passkeys.FinishRegistrationAsync(
            user.Identity!.Name!,
            request.Ceremony,
            name,
            credential,
            context.ClientIp(),
            cancellationToken
        );
        return outcome.Passkey is { } passkey
            ? TypedResults.Created($"/api/auth/passkeys/{passkey.Id}", passkey)
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Passkey not registered", detail: outcome.Problem);
    }

    private static async Task<Ok<PasskeyList>> ListAsync(ClaimsPrincipal user, PasskeyService passkeys, CancellationToken cancellationToken) =>
        TypedResults.Ok(new PasskeyList(await passkeys.ListAsync(user.Identity!.Name!, cancellationToken)));

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        string id,
        HttpContext context,
        ClaimsPrincipal user,
        PasskeyService passkeys,
        ISessionStore sessions,
        TimeProvider time,
        CancellationToken cancellationToken
    )
    {
        var session = await sessions.FindAsync(user.FindFirstValue(TokenConventions.SessionClaim)!, cancellationToken);
        if (session is null || time.GetUtcNow() - session.CreatedAt > FreshSignIn)
        {
            var problem = TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Fresh sign-in required",
                detail: $"Removing a passkey needs a sign-in at most {FreshSignIn.TotalMinutes:0} minutes old: sign out and in again."
            );
            problem.ProblemDetails.Extensions["reason"] = "fresh-sign-in-required";
            return problem;
        }

        return id.Length <= 1024 && await passkeys.RemoveAsync(user.Identity!.Name!, id, context.ClientIp(), cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such passkey", detail: "You have no passkey with this id.");
    }

    private static async Task<Ok<PasskeyOptionsResponse>> BeginSignInAsync(
        HttpContext context,
        PasskeyService passkeys,
        CancellationToken cancellationToken
    )
    {
        var (ceremony, options) = await passkeys.BeginSignInAsync(cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new PasskeyOptionsResponse(ceremony, JsonElement.Parse(options)));
    }

    private static async Task<Results<Ok<TokenResponse>, ContentHttpResult, ProblemHttpResult>> FinishSignInAsync(
        HttpContext context,
        PasskeyService passkeys,
        SessionService sessions,
        TokenIssuer issuer,
        CancellationToken cancellationToken
    )
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, AuthJsonContext.Default.PasskeySignInRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(request!.Ceremony) || request.Ceremony.Length > 64)
        {
            return JsonBody.Invalid("ceremony must be the id /api/auth/passkeys/login/options answered.");
        }

        if (Read<AuthenticatorAssertionRawResponse>(request.Credential) is not { Id.Length: > 0 and <= 1024 } credential)
        {
            return JsonBody.Invalid("credential must be the assertion's JSON (PublicKeyCredential.toJSON()).");
        }

        var outcome = await passkeys.FinishSignInAsync(request.Ceremony, credential, context.ClientIp(), cancellationToken);
        if (outcome.Tokens is not { } signedIn)
        {
            return TypedResults.Text(RefusedBody, "application/problem+json", statusCode: StatusCodes.Status401Unauthorized);
        }

        AuthCookies.SetDevice(context.Response, issuer.CreateDeviceToken(signedIn.Username));
        return AuthEndpoints.Issued(context, signedIn, sessions);
    }

    // The browser's JSON of a credential, read as Fido2NetLib reads it; null when it is not one.
    private static T? Read<T>(JsonElement? element)
        where T : class
    {
        if (element is not { ValueKind: JsonValueKind.Object } json)
        {
            return null;
        }

        try
        {
            return typeof(T) == typeof(AuthenticatorAssertionRawResponse)
                ? json.Deserialize(FidoModelSerializerContext.Default.AuthenticatorAssertionRawResponse) as T
                : JsonSerializer.Deserialize<T>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
