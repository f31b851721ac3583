using System.Text;
using AuthService.Configuration;
using AuthService.Passwords;
using ServiceDefaults.Configuration;

namespace AuthService.Commands;

/// <summary>
/// <c>hash-password</c>: reads one password from standard input (or a prompt without echo) and prints its bcrypt
/// hash (cost BCRYPT_WORK_FACTOR, as the service hashes) alone on one line, for ADMIN_PASSWORD_HASH. The password itself is never printed.
/// </summary>
internal static class HashPasswordCommand
{
    public static int Run(TextReader input, TextWriter output, TextWriter error, bool interactive, SettingsReader reader)
    {
        var workFactor = AuthSettings.ReadWorkFactor(reader);
        if (CommandLine.HasProblems(reader, error))
        {
            return SettingsExtensions.ConfigurationErrorExitCode;
        }

        var password = interactive ? Prompt(error) : input.ReadLine();
        var problem = PasswordRules.Check(password);
        if (problem is not null)
        {
            error.WriteLine(problem);
            return 2;
        }

        output.WriteLine(PasswordRules.Hash(password!, workFactor));
        return 0;
    }

    private static string Prompt(TextWriter error)
    {
        error.Write("Password: ");
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        error.WriteLine();
        return password.ToString();
    }
}
