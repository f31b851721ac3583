using AuthService.SecondFactor;
using AuthService.Sessions;
using AuthService.Storage;
using AuthService.Users;
using Platform.Security.SignIn;

namespace AuthService.Commands;

/// <summary>
/// <c>mfa reset USERNAME</c>: removes a user's second factor and ends their sessions, for the admin who lost both
/// phone and recovery codes when no other admin can do it through the API. Audited as the command line.
/// </summary>
internal static class MfaCommand
{
    public static async Task<int> ResetAsync(WebApplicationBuilder builder, string username, TextWriter output, TextWriter error)
    {
        if (!UsernameRules.IsValid(username))
        {
            await error.WriteLineAsync("USERNAME must be 3 to 64 letters, digits, '.', '_' or '-'.");
            return 64;
        }

        await using var app = await CommandLine.BuildWithDatabaseAsync(builder, error);
        if (app is null)
        {
            return 1;
        }

        var user = await app.Services.GetRequiredService<IUserStore>().FindAsync(UsernameRules.Normalize(username), CancellationToken.None);
        if (user is null)
        {
            await error.WriteLineAsync($"There is no user named {username}.");
            return 1;
        }

        var removed = await app
            .Services.GetRequiredService<SecondFactorService>()
            .ResetAsync(user.Username, "command-line", null, CancellationToken.None);
        var ended = await app
            .Services.GetRequiredService<SessionRevoker>()
            .EndSessionsAsync(user.Username, "second-factor-reset (command line)", "command-line", null, CancellationToken.None);
        await output.WriteLineAsync(
            removed
                ? $"{user.Username}'s second factor is removed and {ended} session(s) ended: they sign in with their password and set one up again."
                : $"{user.Username} had no second factor; {ended} session(s) ended."
        );
        return 0;
    }
}
