using AuthService.SecondFactor;
using AuthService.Sessions;

namespace AuthService.Commands;

/// <summary>
/// <c>mfa reset USERNAME</c>: removes a user's second factor and ends their sessions, for the admin who lost both
/// phone and recovery codes when no other admin can do it through the API. Audited as the command line.
/// </summary>
internal static class MfaCommand
{
    public static Task<int> ResetAsync(WebApplicationBuilder builder, string username, TextWriter output, TextWriter error) =>
        CommandLine.ForUserAsync(builder, username, error, async (app, user) =>
        {
            var removed = await app
                .Services.GetRequiredService<SecondFactorService>()
                .ResetAsync(user.Username, "command-line", null, CancellationToken.None);
            var ended = await app
                .Services.GetRequiredService<SessionRevoker>()
                .EndSessionsAsync(user.Username, "second-factor-reset (command line)", "command-line", null, CancellationToken.None);
            await output.WriteLineAsync(
                removed
                    ? $"{user.Username}'s second factor is removed and {ended} session(s) ended: "
                        + "they sign in with their password and set one up again."
                    : $"{user.Username} had no second factor; {ended} session(s) ended."
            );
            return 0;
        });
}
