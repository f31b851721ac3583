using Platform.Storage.Audit;
using AuthService.Audit;
using AuthService.Revocation;
using AuthService.Sessions;
using AuthService.Storage;

namespace AuthService.Commands;

/// <summary>
/// <c>sessions revoke-all</c>: ends every session in the database under DATA_DIR. Refresh tokens die at once; the
/// revocations go on the feed, so verifiers refuse the access tokens within seconds (at most one poll interval).
/// </summary>
internal static class SessionsCommand
{
    public static async Task<int> RevokeAllAsync(TextWriter output, TextWriter error, TimeProvider time)
    {
        var dataDirectory = Path.GetFullPath(CommandLine.Setting("DATA_DIR") ?? "data");
        var database = Path.Combine(dataDirectory, "auth.db");
        if (!File.Exists(database))
        {
            await error.WriteLineAsync($"No AuthService database at {database}; set DATA_DIR as for the service.");
            return 1;
        }

        var minutes = int.TryParse(CommandLine.Setting("ACCESS_TOKEN_MINUTES"), out var configured) && configured > 0 ? configured : 15;
        var store = new AuthDatabase(database);
        var revoker = new SessionRevoker(new SqliteSessionStore(store), new SqliteRevocationFeed(store, time), new SqliteAuditLog(store.OpenAsync, time), TimeSpan.FromMinutes(minutes), time);
        var count = await revoker.EndSessionsAsync(null, "revoke-all (command line)", "command-line", null, CancellationToken.None);
        await output.WriteLineAsync($"{count} session(s) ended. Refresh tokens are dead now; access tokens are refused within seconds.");
        return 0;
    }
}
