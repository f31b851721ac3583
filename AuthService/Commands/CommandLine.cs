namespace AuthService.Commands;

/// <summary>The admin command line: <c>dotnet AuthService.dll &lt;command&gt;</c>. Anything else starts the service.</summary>
internal static class CommandLine
{
    private const string Usage = """
        Commands:
          hash-password                 read a password (stdin or prompt), print its bcrypt hash
          keys new [--dir DIR]          create a signing key; it signs from now on
          keys list [--dir DIR]         one line per key: kid, created, state
          keys retire KID [--dir DIR]   stop publishing a key; its tokens stop working within 60 s
          sessions revoke-all           end every session (reads DATA_DIR like the service)
        DIR defaults to JWT_KEYS_DIR.
        """;

    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith('-');

    public static async Task<int> RunAsync(string[] args)
    {
        var output = Console.Out;
        var error = Console.Error;
        try
        {
            return args switch
            {
                ["hash-password"] => HashPasswordCommand.Run(Console.In, output, error, interactive: !Console.IsInputRedirected),
                ["keys", .. var rest] => KeysCommand.Run(rest, output, error, TimeProvider.System),
                ["sessions", "revoke-all"] => await SessionsCommand.RevokeAllAsync(output, error, TimeProvider.System),
                ["help" or "--help"] => Help(output, 0),
                _ => Help(error, 64),
            };
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"Failed: {ex.Message}");
            return 1;
        }
        catch (UnauthorizedAccessException ex)
        {
            await error.WriteLineAsync($"Failed: {ex.Message}");
            return 1;
        }
    }

    private static int Help(TextWriter writer, int exitCode)
    {
        writer.WriteLine(Usage);
        return exitCode;
    }

    /// <summary>A setting as the service reads it: from the environment (the same variables).</summary>
    public static string? Setting(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;
}
