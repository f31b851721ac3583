using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace System.Tests.Containers;

/// <summary>
/// The README's container path, for real: in a temporary copy of the repository, the images built (on stand-in base
/// images made from Debian's packages, with the output of <c>dotnet publish</c> on this host: no registry or package
/// restore is reachable from a container here), <c>deploy/compose-init.sh</c>, then the scale overlay with two
/// AuthService and two RecordingsService replicas on PostgreSQL and Redis. Torn down with <c>down -v</c>.
/// </summary>
public sealed partial class ComposeDeployment : IAsyncLifetime
{
    public const int Replicas = 2;

    private static readonly string[] Projects = ["Gateway", "AuthService", "RecordingsService", "Demo"];
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(6);

    private readonly TemporaryDirectory _copy = TemporaryDirectory.Create("compose-deployment-");
    private readonly PortReservation _httpsPort = PortReservation.Reserve();
    private readonly PortReservation _httpPort = PortReservation.Reserve();

    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private DockerEngine? _engine;
    private Dictionary<string, string?> _environment = [];
    private bool _started;

    /// <summary>Why the tests cannot run here (no Docker engine can be started); null when they can.</summary>
    public string? SkipReason { get; private set; }

    public string CopyPath => _copy.Path;

    /// <summary>COMPOSE_PROJECT_NAME: the containers', networks' and volumes' prefix.</summary>
    public string ProjectName { get; } = "rp-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    public Uri Url => new($"https://localhost:{_httpsPort.Port}");
    public string AdminUsername { get; private set; } = "";
    public string AdminPassword { get; private set; } = "";

    /// <summary>What compose-init printed, for the tests to read.</summary>
    public string InitOutput { get; private set; } = "";

    /// <summary>How long each step took, for the note and a failing test's message.</summary>
    public List<string> Timings { get; } = [];

    public async Task InitializeAsync()
    {
        (_engine, SkipReason) = await DockerEngine.StartAsync();
        if (_engine is null)
        {
            return;
        }

        var baseImages = await StepAsync("stand-in base images (debootstrap, cached by their inputs)", () =>
            RunAsync("bash", ["deploy/debian-base-images.sh"], Repository.Root, timeout: Long)
        );
        var images = BaseImageLine()
            .Matches(baseImages.StandardOutput)
            .ToDictionary(match => match.Groups[1].Value, match => (string?)match.Groups[2].Value);

        await StepAsync("copy of the repository", CopyRepositoryAsync);
        await StepAsync("dotnet publish on the host", async () =>
        {
            foreach (var project in Projects)
            {
                await RunAsync(
                    "dotnet",
                    [
                        "publish",
                        Path.Combine(Repository.Root, project, project + ".csproj"),
                        "--no-build",
                        "-c",
                        Repository.Configuration,
                        "-o",
                        Path.Combine(CopyPath, "artifacts", "publish", project),
                        "-nologo",
                        "-v",
                        "quiet",
                    ],
                    Repository.Root,
                    timeout: Long
                );
            }
        });

        const string tag = "compose-test";
        _environment = new Dictionary<string, string?>
        {
            ["PATH"] = _engine.CliDirectory + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["COMPOSE_PROJECT_NAME"] = ProjectName,
            ["IMAGE_VERSION"] = tag,
            ["RUNTIME_IMAGE"] = images["RUNTIME_IMAGE"],
            ["POSTGRES_IMAGE"] = images["POSTGRES_IMAGE"],
            ["REDIS_IMAGE"] = images["REDIS_IMAGE"],
            ["GATEWAY_HTTPS_PORT"] = _httpsPort.ToString(),
            ["GATEWAY_HTTP_PORT"] = _httpPort.ToString(),
            // Not given: compose-init must set up the demo account by itself.
            ["TWILIO_ACCOUNT_SID"] = null,
            ["TWILIO_AUTH_TOKEN"] = null,
            ["PUBLIC_BASE_URL"] = null,
        };
        await StepAsync("four images", () => RunAsync("bash", ["deploy/build-images.sh", "--prebuilt", "--no-publish"], CopyPath, timeout: Long));

        // An operator's values are kept: these must survive compose-init (the tests sign in more than 5 times).
        await File.WriteAllTextAsync(Path.Combine(CopyPath, ".env"), $"IMAGE_TAG={tag}\n");
        await File.WriteAllTextAsync(Path.Combine(CopyPath, "deploy", "gateway.env"), "LOGIN_RATE_LIMIT_MAX=200\nRATE_LIMIT_MAX=100000\n");
        var init = await StepAsync("deploy/compose-init.sh", () => RunAsync("bash", ["deploy/compose-init.sh"], CopyPath, timeout: Long));
        InitOutput = init.StandardOutput;
        var admin = AdministratorLine().Match(InitOutput);
        Assert.True(admin.Success, "compose-init printed no administrator:\n" + InitOutput);
        (AdminUsername, AdminPassword) = (admin.Groups[1].Value, admin.Groups[2].Value);

        _started = true;
        await StepAsync("compose up (scale overlay, 2 + 2 replicas)", () =>
            ComposeAsync(["up", "-d", "--scale", $"auth={Replicas}", "--scale", $"recordings={Replicas}"], Long)
        );
        await StepAsync("gateway ready", () => Wait.UntilAsync(
                async () =>
                {
                    try
                    {
                        using var client = CreateClient();
                        using var ready = await client.GetAsync("/health/ready");
                        var checks = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
                        return ready.IsSuccessStatusCode
                            && new[] { "auth", "recordings" }.All(cluster =>
                                checks.GetProperty(cluster).GetProperty("description").GetString() == $"{Replicas} of {Replicas} destinations healthy"
                            );
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromMinutes(3),
                "the gateway is ready with every replica healthy"
            ));
    }

    public async Task DisposeAsync()
    {
        if (_started)
        {
            var down = await ComposeAsync(["down", "-v", "--remove-orphans"], TimeSpan.FromMinutes(3), check: false);
            Timings.Add($"down -v: exit {down.ExitCode}");
        }

        // The copy holds certificates owned by the containers' user: this process (root) removes them.
        _copy.Dispose();
        _httpsPort.Dispose();
        _httpPort.Dispose();
    }

    /// <summary>A client of the gateway, trusting the development CA compose-init made, connecting to localhost as 127.0.0.1.</summary>
    public HttpClient CreateClient()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(CopyPath, "certs", "dev-ca", "ca.crt")));
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = Loopback.ConnectAsync,
            UseCookies = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Runs docker compose with the scale overlay, in the copy.</summary>
    public Task<ProcessResult> ComposeAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, bool check = true)
    {
        var compose = _engine!.Compose;
        return RunAsync(
            compose[0],
            [.. compose.Skip(1), "-f", "docker-compose.yml", "-f", "docker-compose.scale.yml", .. arguments],
            CopyPath,
            timeout,
            check
        );
    }

    /// <summary>The ids of a service's containers.</summary>
    public async Task<IReadOnlyList<string>> ContainersAsync(string service) =>
        (await ComposeAsync(["ps", "-q", service])).StandardOutput.Split(
            '\n',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
        );

    /// <summary>Runs a command in the copy with the deployment's environment (compose project, images, ports); fails on a non-zero exit.</summary>
    public Task<ProcessResult> RunInCopyAsync(string command, IEnumerable<string> arguments) => RunAsync(command, arguments, CopyPath, Long);

    /// <summary>Runs docker with the engine's CLI.</summary>
    public Task<ProcessResult> DockerAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, bool check = true) =>
        RunAsync("docker", arguments, CopyPath, timeout, check);

    /// <summary>A value of one of the copy's env files (deploy/*.env, .env), without compose-init's quotes.</summary>
    public string EnvValue(string file, string key)
    {
        var line = File.ReadAllLines(Path.Combine(CopyPath, file)).Last(line => line.StartsWith(key + "=", StringComparison.Ordinal));
        return line[(key.Length + 1)..].Trim('\'');
    }

    private async Task<T> StepAsync<T>(string step, Func<Task<T>> run)
    {
        var started = _elapsed.Elapsed;
        var result = await run();
        Timings.Add(string.Create(CultureInfo.InvariantCulture, $"{step}: {(_elapsed.Elapsed - started).TotalSeconds:0} s"));
        return result;
    }

    private async Task StepAsync(string step, Func<Task> run)
    {
        var started = _elapsed.Elapsed;
        await run();
        Timings.Add(string.Create(CultureInfo.InvariantCulture, $"{step}: {(_elapsed.Elapsed - started).TotalSeconds:0} s"));
    }

    private async Task<ProcessResult> RunAsync(
        string command,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan? timeout = null,
        bool check = true
    )
    {
        var result = await Processes.RunAsync(
            command,
            arguments,
            environment: _environment,
            workingDirectory: workingDirectory,
            timeout: timeout ?? TimeSpan.FromMinutes(2)
        );
        if (check && result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{command} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}"
            );
        }

        return result;
    }

    // Every file of the checkout (committed, or new and not ignored): what a fresh clone holds, with this change.
    private async Task CopyRepositoryAsync()
    {
        var files = await Processes.RunAsync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
        foreach (var file in files.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = Path.Combine(Repository.Root, file);
            if (!File.Exists(source))
            {
                continue; // deleted in the working tree
            }

            var target = Path.Combine(CopyPath, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(source));
        }
    }

    [GeneratedRegex(@"^(RUNTIME_IMAGE|POSTGRES_IMAGE|REDIS_IMAGE)=(\S+)$", RegexOptions.Multiline)]
    private static partial Regex BaseImageLine();

    [GeneratedRegex(@"Administrator:\s+(\S+) / (\S+)")]
    private static partial Regex AdministratorLine();
}
