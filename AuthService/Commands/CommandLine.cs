namespace AuthService.Commands;

/// <summary>The admin command line: <c>dotnet AuthService.dll &lt;command&gt;</c>. Anything else starts the service.</summary>
internal static class CommandLine
{
    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith('-');

    public static int Run(string[] args)
    {
        switch (args[0])
        {
            case "hash-password":
                return HashPasswordCommand.Run(Console.In, Console.Out, Console.Error, interactive: !Console.IsInputRedirected);
            default:
                Console.Error.WriteLine($"Unknown command \"{args[0]}\". Commands: hash-password.");
                return 64;
        }
    }
}
