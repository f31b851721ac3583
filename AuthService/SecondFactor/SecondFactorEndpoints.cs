using System.Security.Claims;
using AuthService.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Security.Tokens;
using ServiceDefaults.Http;
using ServiceDefaults.Networking;

namespace AuthService.SecondFactor;

public sealed record CodeRequest(string? Code);

public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

public sealed record SecondFactorStatus(bool Enabled, int RecoveryCodesLeft);

/// <summary>
/// A signed-in user's own TOTP second factor: set up (a new secret and its QR code), confirm with a first code (the
/// recovery codes, shown once), see its state, turn it off with a current code. Setting up and confirming are open
/// to a token that may only enrol (MFA_REQUIRED_FOR_ADMINS).
/// </summary>
internal static class SecondFactorEndpoints
{
    public static IEndpointRouteBuilder MapSecondFactorEndpoints(this IEndpointRouteBuilder app)
    {
        var totp = app.MapGroup("/api/auth/mfa/totp").WithTags("Second factor").ProducesProblem(StatusCodes.Status401Unauthorized);
        totp.MapGet("/", StatusAsync)
            .WithName("SecondFactorStatus")
            .RequireAuthorization(PlatformPolicies.SignedIn)
            .WithSummary("Whether the signed-in user has a second factor, and how many recovery codes are left");
        totp.MapPost("/setup", SetupAsync)
            .WithName("SetUpSecondFactor")
            .RequireAuthorization(PlatformPolicies.Enrolling)
            .WithSummary("Start enrolling: a new TOTP secret, its otpauth URI and QR code")
            .ProducesProblem(StatusCodes.Status409Conflict);
        totp.MapPost("/confirm", ConfirmAsync)
            .WithName("ConfirmSecondFactor")
            .RequireAuthorization(PlatformPolicies.Enrolling)
            .WithSummary("Finish enrolling with a first code; answers the ten recovery codes, shown only this once")
            .WithRequestBody(typeof(CodeRequest), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        totp.MapDelete("/", DisableAsync)
            .WithName("DisableSecondFactor")
            .RequireAuthorization(PlatformPolicies.SignedIn)
            .WithSummary("Turn the second factor off, with a current code or a recovery code")
            .WithRequestBody(typeof(CodeRequest), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    private static async Task<Ok<SecondFactorStatus>> StatusAsync(
        ClaimsPrincipal user,
        SecondFactorService secondFactors,
        CancellationToken cancellationToken
    )
    {
        var username = user.Identity!.Name!;
        var enabled = await secondFactors.IsEnrolledAsync(username, cancellationToken);
        return TypedResults.Ok(
            new SecondFactorStatus(enabled, enabled ? await secondFactors.UnusedRecoveryCodesAsync(username, cancellationToken) : 0)
        );
    }

    private static async Task<Results<Ok<TotpSetup>, ProblemHttpResult>> SetupAsync(
        HttpContext context,
        ClaimsPrincipal user,
        SecondFactorService secondFactors,
        CancellationToken cancellationToken
    )
    {
        var setup = await secondFactors.BeginAsync(user.Identity!.Name!, cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        return setup is null
            ? TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Second factor already on",
                detail: "Turn the current second factor off before setting up another."
            )
            : TypedResults.Ok(setup);
    }

    private static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> ConfirmAsync(
        HttpContext context,
        ClaimsPrincipal user,
        SecondFactorService secondFactors,
        CancellationToken cancellationToken
    )
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, AuthJsonContext.Default.CodeRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.Code is not { } code || !TotpCodes.LooksLikeTotp(code, out _))
        {
            return JsonBody.Invalid("code must be the 6 digits your authenticator app shows.");
        }

        var username = user.Identity!.Name!;
        var pending = await secondFactors.StateAsync(username, cancellationToken);
        if (pending is not SecondFactorState.Pending)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: pending == SecondFactorState.On ? "Second factor already on" : "Nothing to confirm",
                detail: pending == SecondFactorState.On ? "The second factor is already on." : "Start with POST /api/auth/mfa/totp/setup."
            );
        }

        var codes = await secondFactors.ConfirmAsync(username, code, context.ClientIp(), cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        return codes is null
            ? JsonBody.Invalid("The code does not match. Check that the app was set up from this QR code and that the device's clock is right.")
            : TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(
        HttpContext context,
        ClaimsPrincipal user,
        SecondFactorService secondFactors,
        CancellationToken cancellationToken
    )
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, AuthJsonContext.Default.CodeRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(request!.Code))
        {
            return JsonBody.Invalid("code is required: a current code from your authenticator app, or a recovery code.");
        }

        return await secondFactors.DisableAsync(user.Identity!.Name!, request.Code, context.ClientIp(), cancellationToken) switch
        {
            CodeCheck.Accepted => TypedResults.NoContent(),
            CodeCheck.NotEnrolled => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No second factor",
                detail: "This account has no second factor to turn off."
            ),
            _ => JsonBody.Invalid("The code is wrong or was already used."),
        };
    }
}
