using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDefaults.Configuration;

public static class SettingsExtensions
{
    /// <summary>Exit code of a start-up stopped by bad configuration (sysexits EX_CONFIG).</summary>
    public const int ConfigurationErrorExitCode = 78;

    /// <summary>
    /// Reads the service's settings, registers them as a singleton and, when any is missing or invalid,
    /// stops the process with one message that lists every problem (no stack trace, non-zero exit code).
    /// </summary>
    public static T AddSettings<T>(this WebApplicationBuilder builder, Func<SettingsReader, T> read)
        where T : class
    {
        var reader = new SettingsReader(builder.Configuration, builder.Environment);
        var settings = read(reader);
        if (reader.Problems.Count > 0)
        {
            var message =
                $"{builder.Environment.ApplicationName} cannot start ({builder.Environment.EnvironmentName}): "
                + $"{reader.Problems.Count} configuration problem(s):{Environment.NewLine}"
                + string.Join(Environment.NewLine, reader.Problems.Select(p => "  - " + p))
                + Environment.NewLine
                + "Set them as environment variables (or in appsettings.json) and start again."
                + Environment.NewLine;
            throw new SettingsException(message);
        }

        builder.Services.AddSingleton(settings);
        return settings;
    }
}

/// <summary>Configuration that stops start-up; <see cref="StartupGuard"/> prints it without a stack trace.</summary>
public sealed class SettingsException(string message) : Exception(message);
