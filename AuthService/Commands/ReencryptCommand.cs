using AuthService.SecondFactor;
using AuthService.Storage;

namespace AuthService.Commands;

/// <summary>
/// <c>reencrypt</c>: after DATA_ENCRYPTION_KEY changed (the old key in DATA_ENCRYPTION_KEY_PREVIOUS), seals every stored
/// secret with the new key, so the previous one can be removed. Also seals what was stored before encryption existed.
/// Safe to run again, and beside running replicas (a row changed meanwhile is left for the next run).
/// </summary>
internal static class ReencryptCommand
{
    public static async Task<int> RunAsync(WebApplicationBuilder builder, TextWriter output, TextWriter error)
    {
        await using var app = await CommandLine.BuildWithDatabaseAsync(builder, error);
        if (app is null)
        {
            return 1;
        }

        await app.Services.GetRequiredService<AuthDatabase>().MigrateAsync();
        var (secrets, codes) = await app.Services.GetRequiredService<SecondFactorStore>().ReencryptAsync();
        await output.WriteLineAsync(
            $"Sealed again with DATA_ENCRYPTION_KEY: {secrets} second-factor secret(s), {codes} recovery code(s). "
                + "Everything stored is now readable with that key alone: DATA_ENCRYPTION_KEY_PREVIOUS can be removed."
        );
        return 0;
    }
}
