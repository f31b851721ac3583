using Gateway.Routing;

namespace Gateway.RateLimiting;

/// <summary>
/// Second-factor codes guessed by a signed-in session (confirming one, turning it off) get the sign-in's per-username
/// rule: each attempt is reserved in the username's slowdown before it is forwarded and settled by the answer (a
/// wrong code, 400, stays counted; a right one clears it), so guesses at a code wait 2, 4, 8 … seconds exactly as
/// guesses at the password do, from any address and through any gateway (the same store).
/// </summary>
internal sealed class SecondFactorSlowdown(RequestDelegate next, IRateLimitStore store)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!RouteFacts.For(context).SecondFactorCode || context.User.Identity?.Name is not { Length: > 0 } username)
        {
            await next(context);
            return;
        }

        var wait = await store.TryBeginSignInAsync(username, context.RequestAborted);
        if (wait > TimeSpan.Zero)
        {
            await RateLimitingMiddleware.RefuseAsync(
                context,
                "second-factor-username",
                RateLimitingMiddleware.Seconds(wait),
                "Too many wrong codes for this user; wait before trying again."
            );
            return;
        }

        var outcome = SignInOutcome.Undecided;
        try
        {
            await next(context);
            outcome = context.Response.StatusCode switch
            {
                >= 200 and < 300 => SignInOutcome.Succeeded,
                StatusCodes.Status400BadRequest => SignInOutcome.Failed,
                _ => SignInOutcome.Undecided,
            };
        }
        finally
        {
            await store.EndSignInAsync(username, outcome, CancellationToken.None);
        }
    }
}
