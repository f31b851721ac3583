using AuthService.Configuration;
using AuthService.Keys;
using ServiceDefaults.Configuration;

namespace AuthService.Commands;

/// <summary><c>keys new [--now]|list|retire</c> on a key directory; running replicas see the change at their next use.</summary>
internal static class KeysCommand
{
    /// <param name="reader">The service's settings: JWT_KEYS_DIR as the service reads it, when there is no <c>--dir</c>.</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, TimeProvider time, SettingsReader reader)
    {
        var (positional, directory) = SplitDirectory(args);
        directory ??= AuthSettings.ReadKeysDirectory(reader, reader.DataDirectory());
        // Longer than the verifiers' JWKS refresh (30 s) and clock skew: each has read the new key before it signs.
        var activation = TimeSpan.FromSeconds(reader.Number("KEY_ACTIVATION_SECONDS", 120, 0, 86_400));
        if (CommandLine.HasProblems(reader, error))
        {
            return SettingsExtensions.ConfigurationErrorExitCode;
        }

        if (directory is null)
        {
            error.WriteLine("Give the key directory with --dir DIR or set JWT_KEYS_DIR.");
            return 64;
        }

        switch (positional)
        {
            case ["new"] or ["new", "--now"]:
                var now = time.GetUtcNow();
                var created = KeyDirectory.Create(directory, now, positional is [_, "--now"] ? TimeSpan.Zero : activation);
                output.WriteLine(
                    created.ActivatesAt is null
                        ? $"{created.Kid} created; it signs new tokens now. Older keys still verify until retired."
                        : $"{created.Kid} created and published; it signs new tokens from {created.ActivatesAt:u} (KEY_ACTIVATION_SECONDS), "
                            + "once every verifier has read it. Older keys still verify until retired."
                );
                return 0;
            case ["list"]:
                var keys = KeyDirectory.List(directory);
                var active = KeyInfo.Signing(keys, time.GetUtcNow())?.Kid;
                foreach (var key in keys)
                {
                    var state =
                        key.IsRetired ? $"retired {key.RetiredAt:u}"
                        : key.Kid == active ? "active"
                        : !key.IsActiveAt(time.GetUtcNow()) ? $"published, signs from {key.ActivatesAt:u}"
                        : "published";
                    output.WriteLine($"{key.Kid}\t{key.CreatedAt:u}\t{state}");
                }

                return 0;
            case ["retire", var kid]:
                if (!KeyDirectory.Retire(directory, kid, time.GetUtcNow()))
                {
                    error.WriteLine($"No key {kid} in {directory}.");
                    return 1;
                }

                output.WriteLine($"{kid} retired: no longer published; tokens it signed stop working within 60 s.");
                if (!KeyDirectory.HasActiveKey(directory))
                {
                    error.WriteLine("Warning: no active key is left; the AuthService cannot sign in anyone until you run: keys new");
                }

                return 0;
            default:
                error.WriteLine("Usage: keys new [--now]|list [--dir DIR] · keys retire KID [--dir DIR]");
                return 64;
        }
    }

    private static (string[] Positional, string? Directory) SplitDirectory(string[] args)
    {
        var positional = new List<string>();
        string? directory = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--dir" && i + 1 < args.Length)
            {
                directory = args[++i];
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        return ([.. positional], directory);
    }
}
