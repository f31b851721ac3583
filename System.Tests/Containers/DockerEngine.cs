using System.ComponentModel;
using System.Diagnostics;

namespace System.Tests.Containers;

/// <summary>
/// A Docker engine for the container tests: the one running, or <c>dockerd</c> started here (as root; CI machines start
/// none). Also the commands to drive it: a docker CLI that can build with BuildKit (the Dockerfile's prebuilt source
/// needs it), and docker compose (the v2 plugin, else Debian's docker-compose).
/// </summary>
public sealed class DockerEngine
{
    private DockerEngine(string cliDirectory, string[] compose)
    {
        CliDirectory = cliDirectory;
        Compose = compose;
    }

    /// <summary>The folder of a docker CLI with BuildKit, to put first on PATH for the project's scripts.</summary>
    public string CliDirectory { get; }

    /// <summary>The compose command: ["docker", "compose"] or ["docker-compose"].</summary>
    public IReadOnlyList<string> Compose { get; }

    /// <returns>The engine, or null with <paramref name="reason"/> when none runs and none can be started here.</returns>
    public static async Task<(DockerEngine? Engine, string? Reason)> StartAsync()
    {
        if (!await AnswersAsync())
        {
            if (Environment.UserName != "root" || !File.Exists("/usr/sbin/dockerd"))
            {
                return (
                    null,
                    "no Docker engine runs, and dockerd cannot be started here (needs root and Debian's docker.io, which deploy/test.sh installs)"
                );
            }

            StartDaemon();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!await AnswersAsync())
            {
                if (DateTime.UtcNow > deadline)
                {
                    return (null, "dockerd was started but did not answer within 60 s (see /tmp/recordings-platform-dockerd.log)");
                }

                await Task.Delay(500);
            }
        }

        var cli = await BuildKitCliAsync();
        if (cli is null)
        {
            return (null, "no docker CLI here builds with BuildKit (Docker 23+ needs the buildx plugin; Debian's docker.io CLI has it built in)");
        }

        string[] compose = (await Processes.RunAsync("docker", ["compose", "version"])).ExitCode == 0 ? ["docker", "compose"] : ["docker-compose"];
        return (new DockerEngine(cli, compose), null);
    }

    private static async Task<bool> AnswersAsync()
    {
        try
        {
            return (await Processes.RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], timeout: TimeSpan.FromSeconds(20))).ExitCode == 0;
        }
        catch (Exception ex) when (ex is Win32Exception or TimeoutException)
        {
            return false;
        }
    }

    private static void StartDaemon()
    {
        // Outlives the test run on purpose: the engine is the machine's, as if its service had started it.
        var start = new ProcessStartInfo("/bin/sh", ["-c", "exec /usr/sbin/dockerd > /tmp/recordings-platform-dockerd.log 2>&1"])
        {
            UseShellExecute = false,
        };
        using var daemon = Process.Start(start);
    }

    // Docker 23+ builds through buildx; without the plugin, a 20.10 CLI (Debian's docker.io) has BuildKit built in.
    private static async Task<string?> BuildKitCliAsync()
    {
        if ((await Processes.RunAsync("docker", ["buildx", "version"])).ExitCode == 0)
        {
            return Path.GetDirectoryName(Which("docker"));
        }

        foreach (var candidate in new[] { Which("docker"), "/usr/bin/docker" })
        {
            if (candidate is null || !File.Exists(candidate))
            {
                continue;
            }

            var version = await Processes.RunAsync(candidate, ["version", "--format", "{{.Client.Version}}"]);
            if (version.ExitCode == 0 && int.TryParse(version.StandardOutput.Split('.')[0], out var major) && major < 23)
            {
                return Path.GetDirectoryName(candidate);
            }
        }

        return null;
    }

    private static string? Which(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':')
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);
}
