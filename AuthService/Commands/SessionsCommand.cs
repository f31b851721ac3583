using AuthService.Sessions;
using AuthService.Storage;

namespace AuthService.Commands;

/// <summary>
/// <c>sessions revoke-all</c>: ends every session in the service's database. Refresh tokens die at once; the
/// revocations go on the feed (kept as long as the configured access tokens live), so verifiers refuse the access
/// tokens within seconds (at most one poll interval).
/// </summary>
internal static class SessionsCommand
{
    public static async Task<int> RevokeAllAsync(WebApplicationBuilder builder, TextWriter output, TextWriter error)
    {
        await using var app = await CommandLine.BuildWithDatabaseAsync(builder, error);
        if (app is null)
        {
            return 1;
        }

        var revoker = app.Services.GetRequiredService<SessionRevoker>();
        var count = await revoker.EndSessionsAsync(null, "revoke-all (command line)", "command-line", null, CancellationToken.None);
        await output.WriteLineAsync($"{count} session(s) ended. Refresh tokens are dead now; access tokens are refused within seconds.");
        return 0;
    }
}
