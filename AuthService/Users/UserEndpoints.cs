using System.Security.Claims;
using AuthService.Audit;
using AuthService.Authentication;
using AuthService.Passkeys;
using AuthService.Passwords;
using AuthService.SecondFactor;
using AuthService.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Security.SignIn;
using Platform.Security.Tokens;
using Platform.Storage.Audit;
using ServiceDefaults.Http;
using ServiceDefaults.Networking;

namespace AuthService.Users;

public sealed record CreateUserRequest(string? Username, string? Password, string? Role);

/// <summary>A partial update: only what is given changes (defaults make each property optional in the API document).</summary>
public sealed record UpdateUserRequest(string? Role = null, string? Password = null, bool? Disabled = null);

/// <summary>User management for admins. A password change, a role change, disabling or deleting ends the user's sessions.</summary>
internal static class UserEndpoints
{
    private static readonly string[] Roles = [TokenConventions.AdminRole, TokenConventions.ViewerRole];

    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users")
            .WithTags("Users")
            .RequireAuthorization(PlatformPolicies.Admin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        users
            .MapGet("/", async (IUserStore store, CancellationToken cancellationToken) =>
                TypedResults.Ok((await store.ListAsync(cancellationToken)).Select(UserView.From))
            )
            .WithName("ListUsers")
            .WithSummary("Every user, with role, state and second factor");
        users
            .MapPost("/", CreateAsync)
            .WithName("CreateUser")
            .WithSummary("Create a user with a role and an initial password")
            .WithRequestBody(typeof(CreateUserRequest), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        users
            .MapPut("/{username}", UpdateAsync)
            .WithName("UpdateUser")
            .WithSummary("Change a user's role, password or disabled state; most changes end their sessions")
            .WithRequestBody(typeof(UpdateUserRequest), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        users
            .MapDelete("/{username}", DeleteAsync)
            .WithName("DeleteUser")
            .WithSummary("Delete a user and end their sessions")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        users
            .MapDelete("/{username}/mfa", ResetSecondFactorAsync)
            .WithName("ResetSecondFactor")
            .WithSummary("Remove a user's second factor (a lost phone); ends the user's sessions")
            .ProducesProblem(StatusCodes.Status404NotFound);
        users
            .MapDelete("/{username}/passkeys", ResetPasskeysAsync)
            .WithName("ResetPasskeys")
            .WithSummary("Remove all of a user's passkeys (a lost device); ends the user's sessions")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<UserView>, ProblemHttpResult>> CreateAsync(
        HttpContext context,
        ClaimsPrincipal admin,
        IUserStore store,
        PasswordHasher hasher,
        IAuditLog audit,
        TimeProvider time,
        CancellationToken cancellationToken
    )
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, AuthJsonContext.Default.CreateUserRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!UsernameRules.IsValid(request!.Username))
        {
            return JsonBody.Invalid("username must be 3 to 64 letters, digits, '.', '_' or '-'.");
        }

        if (request.Role is null || !Roles.Contains(request.Role))
        {
            return JsonBody.Invalid("role must be \"admin\" or \"viewer\".");
        }

        if (PasswordRules.Check(request.Password) is { } passwordProblem)
        {
            return JsonBody.Invalid(passwordProblem);
        }

        var hash = await hasher.HashAsync(request.Password!, ownDevice: false, cancellationToken);
        if (hash is null)
        {
            return AuthEndpoints.Busy(context);
        }

        var now = time.GetUtcNow();
        var user = new User(UsernameRules.Normalize(request.Username!), hash, request.Role, false, now, now, null);
        if (!await store.CreateAsync(user, cancellationToken))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "User exists",
                detail: $"A user named {user.Username} already exists."
            );
        }

        await audit.WriteAsync(
            AuthAuditActions.UserCreated,
            admin.Identity!.Name,
            user.Username,
            context.ClientIp(),
            "success",
            $"role {user.Role}",
            cancellationToken
        );
        return TypedResults.Created($"/api/users/{user.Username}", UserView.From(user));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> UpdateAsync(
        string username,
        HttpContext context,
        ClaimsPrincipal admin,
        IUserStore store,
        PasswordHasher hasher,
        SessionRevoker revoker,
        IAuditLog audit,
        TimeProvider time,
        CancellationToken cancellationToken
    )
    {
        var (request, problem) = await JsonBody.ReadAsync(context.Request, AuthJsonContext.Default.UpdateUserRequest, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.Role is null && request.Password is null && request.Disabled is null)
        {
            return JsonBody.Invalid("Give at least one of role, password, disabled.");
        }

        if (request.Role is not null && !Roles.Contains(request.Role))
        {
            return JsonBody.Invalid("role must be \"admin\" or \"viewer\".");
        }

        if (request.Password is not null && PasswordRules.Check(request.Password) is { } passwordProblem)
        {
            return JsonBody.Invalid(passwordProblem);
        }

        var user = await store.FindAsync(UsernameRules.Normalize(username), cancellationToken);
        if (user is null)
        {
            return NotFound(username);
        }

        var role = request.Role ?? user.Role;
        var disabled = request.Disabled ?? user.Disabled;

        var hash = user.PasswordHash;
        if (request.Password is not null)
        {
            hash = await hasher.HashAsync(request.Password, ownDevice: false, cancellationToken) ?? "";
            if (hash.Length == 0)
            {
                return AuthEndpoints.Busy(context);
            }
        }

        var updated = user with { Role = role, Disabled = disabled, PasswordHash = hash, UpdatedAt = time.GetUtcNow() };
        switch (await store.UpdateAsync(updated, cancellationToken))
        {
            case UserChange.LastAdmin:
                return LastAdmin();
            case UserChange.Conflict:
                return ChangedMeanwhile(username);
        }

        var changes = new List<string>();
        if (role != user.Role)
        {
            changes.Add($"role {user.Role} -> {role}");
        }

        if (disabled != user.Disabled)
        {
            changes.Add(disabled ? "disabled" : "enabled");
        }

        if (request.Password is not null)
        {
            changes.Add("password reset");
        }

        var actor = admin.Identity!.Name;
        var clientIp = context.ClientIp();
        await audit.WriteAsync(
            AuthAuditActions.UserUpdated,
            actor,
            user.Username,
            clientIp,
            "success",
            changes.Count == 0 ? "no change" : string.Join(", ", changes),
            cancellationToken
        );
        if (role != user.Role || (disabled && !user.Disabled) || request.Password is not null)
        {
            await revoker.EndSessionsAsync(user.Username, "user-changed: " + string.Join(", ", changes), actor, clientIp, cancellationToken);
        }

        return TypedResults.Ok(UserView.From(updated));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string username,
        HttpContext context,
        ClaimsPrincipal admin,
        IUserStore store,
        SessionRevoker revoker,
        IAuditLog audit,
        CancellationToken cancellationToken
    )
    {
        var user = await store.FindAsync(UsernameRules.Normalize(username), cancellationToken);
        if (user is null)
        {
            return NotFound(username);
        }

        switch (await store.DeleteAsync(user, cancellationToken))
        {
            case UserChange.LastAdmin:
                return LastAdmin();
            case UserChange.Conflict:
                return ChangedMeanwhile(username);
        }

        var actor = admin.Identity!.Name;
        var clientIp = context.ClientIp();
        await audit.WriteAsync(AuthAuditActions.UserDeleted, actor, user.Username, clientIp, "success", null, cancellationToken);
        await revoker.EndSessionsAsync(user.Username, "user-deleted", actor, clientIp, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResetSecondFactorAsync(
        string username,
        HttpContext context,
        ClaimsPrincipal admin,
        IUserStore store,
        SecondFactorService secondFactors,
        SessionRevoker revoker,
        CancellationToken cancellationToken
    )
    {
        var user = await store.FindAsync(UsernameRules.Normalize(username), cancellationToken);
        if (user is null)
        {
            return NotFound(username);
        }

        var actor = admin.Identity!.Name;
        var clientIp = context.ClientIp();
        await secondFactors.ResetAsync(user.Username, actor, clientIp, cancellationToken);
        // Whoever holds a session may be the one who took the phone: the user signs in again and enrols anew.
        await revoker.EndSessionsAsync(user.Username, "second-factor-reset", actor, clientIp, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResetPasskeysAsync(
        string username,
        HttpContext context,
        ClaimsPrincipal admin,
        IUserStore store,
        PasskeyService passkeys,
        CancellationToken cancellationToken
    )
    {
        var user = await store.FindAsync(UsernameRules.Normalize(username), cancellationToken);
        if (user is null)
        {
            return NotFound(username);
        }

        await passkeys.ResetAsync(user.Username, admin.Identity!.Name, context.ClientIp(), cancellationToken);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NotFound(string username) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such user", detail: $"There is no user named {username}.");

    private static ProblemHttpResult ChangedMeanwhile(string username) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Changed meanwhile",
            detail: $"{username} was changed by another request at the same time; nothing was written. Read it again and retry."
        );

    private static ProblemHttpResult LastAdmin() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Last administrator",
            detail: "This would leave no enabled administrator."
        );
}
