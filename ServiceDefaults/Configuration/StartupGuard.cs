namespace ServiceDefaults.Configuration;

/// <summary>Runs a service's entry point and turns a configuration error into a clear message and exit code.</summary>
public static class StartupGuard
{
    public static int Run(Action run)
    {
        try
        {
            run();
            return 0;
        }
        catch (SettingsException ex)
        {
            Console.Error.Write(ex.Message);
            return SettingsExtensions.ConfigurationErrorExitCode;
        }
    }

    /// <inheritdoc cref="Run"/>
    public static async Task<int> RunAsync(Func<Task> run)
    {
        try
        {
            await run();
            return 0;
        }
        catch (SettingsException ex)
        {
            await Console.Error.WriteAsync(ex.Message);
            return SettingsExtensions.ConfigurationErrorExitCode;
        }
    }
}
