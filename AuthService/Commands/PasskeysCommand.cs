using AuthService.Passkeys;

namespace AuthService.Commands;

/// <summary>
/// <c>passkeys reset USERNAME</c>: removes a user's passkeys and ends their sessions, for the admin who lost the
/// device their only passkey was on when no other admin can do it through the API. Audited as the command line.
/// </summary>
internal static class PasskeysCommand
{
    public static Task<int> ResetAsync(WebApplicationBuilder builder, string username, TextWriter output, TextWriter error) =>
        CommandLine.ForUserAsync(builder, username, error, async (app, user) =>
        {
            var removed = await app
                .Services.GetRequiredService<PasskeyService>()
                .ResetAsync(user.Username, "command-line", null, CancellationToken.None);
            await output.WriteLineAsync(
                $"{removed} passkey(s) of {user.Username} removed and their sessions ended: " + "they sign in with their password and add one again."
            );
            return 0;
        });
}
