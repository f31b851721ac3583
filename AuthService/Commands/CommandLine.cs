using AuthService.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Security.SignIn;
using Platform.Storage.Migrations;
using ServiceDefaults.Configuration;

namespace AuthService.Commands;

/// <summary>
/// The admin command line: <c>dotnet AuthService.dll &lt;command&gt;</c>. Anything else starts the service. Commands
/// read the service's configuration (environment variables and appsettings.json) through the same
/// <see cref="SettingsReader"/> rules, and <c>sessions</c> uses the service's own registrations, so an operator's
/// command acts exactly as the running replicas would.
/// </summary>
internal static class CommandLine
{
    private const string Usage = """
        Commands:
          hash-password                 read a password (stdin or prompt), print its bcrypt hash (cost BCRYPT_WORK_FACTOR)
          keys new [--now] [--dir DIR]  create a signing key: published at once, signs after KEY_ACTIVATION_SECONDS (--now: at once)
          keys list [--dir DIR]         one line per key: kid, created, state
          keys retire KID [--dir DIR]   stop publishing a key; its tokens stop working within 60 s
          sessions revoke-all           end every session (reads the service's configuration: DATA_DIR, ACCESS_TOKEN_MINUTES, …)
          mfa reset USERNAME            remove a user's second factor and end their sessions (a lost phone)
          passkeys reset USERNAME       remove a user's passkeys and end their sessions (a lost device)
          reencrypt                     seal every stored secret with DATA_ENCRYPTION_KEY (after a key change)
          migrate                       apply the database's pending migrations (DATABASE_URL, else DATA_DIR) and list them
        DIR defaults to JWT_KEYS_DIR.
        """;

    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith('-');

    public static async Task<int> RunAsync(string[] args)
    {
        var output = Console.Out;
        var error = Console.Error;
        // The service's configuration sources; no logging to standard output, which carries the commands' results.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        var reader = new SettingsReader(builder.Configuration, builder.Environment);
        try
        {
            return args switch
            {
                ["hash-password"] => HashPasswordCommand.Run(Console.In, output, error, interactive: !Console.IsInputRedirected, reader),
                ["keys", .. var rest] => KeysCommand.Run(rest, output, error, TimeProvider.System, reader),
                ["sessions", "revoke-all"] => await SessionsCommand.RevokeAllAsync(builder, output, error),
                ["mfa", "reset", var username] => await MfaCommand.ResetAsync(builder, username, output, error),
                ["passkeys", "reset", var username] => await PasskeysCommand.ResetAsync(builder, username, output, error),
                ["reencrypt"] => await ReencryptCommand.RunAsync(builder, output, error),
                ["migrate"] => await MigrateCommand.RunForServiceAsync<Storage.AuthDatabase>(AddServices, output, error),
                ["help" or "--help"] => Help(output, 0),
                _ => Help(error, 64),
            };
        }
        catch (SettingsException ex)
        {
            await error.WriteAsync(ex.Message);
            return SettingsExtensions.ConfigurationErrorExitCode;
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

    /// <summary>
    /// True, after printing them, when the settings a command read have problems: an invalid setting stops a command
    /// as it would stop the service (exit code <see cref="SettingsExtensions.ConfigurationErrorExitCode"/>).
    /// </summary>
    public static bool HasProblems(SettingsReader reader, TextWriter error)
    {
        foreach (var problem in reader.Problems)
        {
            error.WriteLine(problem);
        }

        return reader.Problems.Count > 0;
    }

    /// <summary>Builds the service's registrations without starting it, for commands that use its stores.</summary>
    public static WebApplication BuildServices(WebApplicationBuilder builder)
    {
        AddServices(builder);
        return builder.Build();
    }

    private static void AddServices(WebApplicationBuilder builder)
    {
        var settings = builder.AddSettings(AuthSettings.Read);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddAuthService(settings);
    }

    /// <summary>
    /// As <see cref="BuildServices"/>, for a command that works on the service's existing data: null, after saying
    /// where it looked, when there is no SQLite database there (a wrong DATA_DIR must not look like "nothing to do").
    /// </summary>
    public static async Task<WebApplication?> BuildWithDatabaseAsync(WebApplicationBuilder builder, TextWriter error)
    {
        var app = BuildServices(builder);
        var database = app.Services.GetRequiredService<Storage.AuthDatabase>();
        if (database.Path is not null && !File.Exists(database.Path))
        {
            await error.WriteLineAsync($"No AuthService database at {database.Path}; set DATA_DIR as for the service.");
            await app.DisposeAsync();
            return null;
        }

        return app;
    }

    /// <summary>
    /// For a command about one user (<c>mfa reset</c>, <c>passkeys reset</c>): checks the name, opens the service's
    /// data and finds the user, saying what is wrong (exit 64 for a malformed name, 1 otherwise) before
    /// <paramref name="run"/> gets them.
    /// </summary>
    public static async Task<int> ForUserAsync(
        WebApplicationBuilder builder,
        string username,
        TextWriter error,
        Func<WebApplication, Users.User, Task<int>> run
    )
    {
        if (!UsernameRules.IsValid(username))
        {
            await error.WriteLineAsync("USERNAME must be 3 to 64 letters, digits, '.', '_' or '-'.");
            return 64;
        }

        await using var app = await BuildWithDatabaseAsync(builder, error);
        if (app is null)
        {
            return 1;
        }

        var user = await app.Services.GetRequiredService<Users.IUserStore>().FindAsync(UsernameRules.Normalize(username), CancellationToken.None);
        if (user is null)
        {
            await error.WriteLineAsync($"There is no user named {username}.");
            return 1;
        }

        return await run(app, user);
    }

    private static int Help(TextWriter writer, int exitCode)
    {
        writer.WriteLine(Usage);
        return exitCode;
    }
}
