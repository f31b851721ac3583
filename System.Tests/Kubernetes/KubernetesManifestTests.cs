using System.Text.Json;
using System.Text.RegularExpressions;

namespace System.Tests.Kubernetes;

/// <summary>
/// The Kubernetes manifests, tested without a cluster (none can run on our build machines): every overlay renders
/// with <c>kubectl kustomize</c>, every object fits the Kubernetes OpenAPI schema of its kind (kubernetes-models), and
/// what the schema cannot know is checked against the code: each environment variable is one the code reads and each
/// required one is set, probes name the health endpoints on declared ports, images are the ones the build makes.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string Manifests = Path.Combine(Repository.Root, "deploy", "kubernetes");
    private static readonly string[] OurImages = ["gateway", "auth", "recordings", "demo"];

    // Set by the platform (ASP.NET Core's own, OpenTelemetry's standard ones) rather than read by name in our code.
    private static readonly string[] FrameworkVariables = ["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT"];

    private static readonly Dictionary<string, string[]> Required = new(StringComparer.Ordinal)
    {
        ["gateway"] =
        [
            "TLS_CERT_PATH",
            "TLS_KEY_PATH",
            "ALLOWED_ORIGINS",
            "INTERNAL_TLS_CA",
            "INTERNAL_TLS_CERT",
            "INTERNAL_TLS_KEY",
            "AUTH_SERVICE_URLS",
            "RECORDINGS_SERVICE_URLS",
            "JWKS_URL",
        ],
        ["auth"] =
        [
            "ADMIN_USERNAME",
            "ADMIN_PASSWORD_HASH",
            "JWT_KEYS_DIR",
            "DATA_ENCRYPTION_KEY",
            "PUBLIC_BASE_URL",
            "DATABASE_URL",
            "INTERNAL_TLS_CA",
            "INTERNAL_TLS_CERT",
            "INTERNAL_TLS_KEY",
            "ASPNETCORE_URLS",
        ],
        ["recordings"] =
        [
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "PUBLIC_BASE_URL",
            "DATABASE_URL",
            "JWKS_URL",
            "INTERNAL_TLS_CA",
            "INTERNAL_TLS_CERT",
            "INTERNAL_TLS_KEY",
            "ASPNETCORE_URLS",
        ],
        ["twilio-demo"] = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "DEMO_TWILIO_PORT"],
    };

    [SkippableFact]
    public async Task TheDemoOverlay_Renders_FitsTheSchemas_AndSetsEverythingTheServicesNeed()
    {
        var generate = await Processes.RunAsync(
            "bash",
            [Path.Combine(Manifests, "overlays", "demo", "generate-secrets.sh")],
            timeout: TimeSpan.FromMinutes(2)
        );
        Assert.True(generate.ExitCode == 0, generate.StandardError);
        var rendered = await RenderAndValidateAsync("overlays/demo");

        Assert.Equal(["auth", "gateway", "postgres", "recordings", "redis", "twilio-demo"], rendered.Workloads.Keys.Order(StringComparer.Ordinal));
        foreach (var (workload, required) in Required)
        {
            Assert.Empty(required.Except(rendered.Workloads[workload].Env));
        }

        CheckOurWorkloads(rendered);
        foreach (
            var kind in new[]
            {
                "Namespace/recordings-demo",
                "Deployment/postgres",
                "Secret/auth-signing-keys",
                "NetworkPolicy/postgres",
                "NetworkPolicy/recordings-to-twilio-demo",
            }
        )
        {
            Assert.Contains(kind, rendered.Kinds);
        }
    }

    [SkippableFact]
    public async Task TheProductionOverlay_Renders_FitsTheSchemas_AndNamesEverySecretItNeeds()
    {
        var rendered = await RenderAndValidateAsync("overlays/production");

        Assert.Equal(["auth", "gateway", "recordings"], rendered.Workloads.Keys.Order(StringComparer.Ordinal));
        // Secrets are the operator's (or external-secrets'): each workload reads its own by reference.
        foreach (var workload in new[] { "gateway", "auth", "recordings" })
        {
            Assert.Contains($"{workload}-secrets", rendered.Workloads[workload].EnvFromSecrets);
        }

        Assert.Empty(Required["gateway"].Except(rendered.Workloads["gateway"].Env));
        CheckOurWorkloads(rendered);
        Assert.All(rendered.Workloads.Values, w => Assert.StartsWith("registry.example.com/recordings-platform/", w.Image, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task TheBase_HasForEachServiceItsServices_DisruptionBudget_Policies_AndAutoscalersWhereTheyScale()
    {
        var rendered = await RenderAndValidateAsync("base");

        foreach (var service in new[] { "gateway", "auth", "recordings" })
        {
            foreach (
                var kind in new[]
                {
                    $"Deployment/{service}",
                    $"Service/{service}",
                    $"Service/{service}-headless",
                    $"PodDisruptionBudget/{service}",
                    $"NetworkPolicy/{service}",
                }
            )
            {
                Assert.Contains(kind, rendered.Kinds);
            }
        }

        Assert.Contains("HorizontalPodAutoscaler/gateway", rendered.Kinds);
        Assert.Contains("HorizontalPodAutoscaler/recordings", rendered.Kinds);
        Assert.Contains("NetworkPolicy/platform-default-deny", rendered.Kinds);
        Assert.All(rendered.Kinds, kind => Assert.Matches("^[A-Za-z]+/(gateway|auth|recordings|platform)", kind));
    }

    private static void CheckOurWorkloads(Rendered rendered)
    {
        var read = VariablesTheCodeReads();
        var built = BuiltImages();
        foreach (var (name, workload) in rendered.Workloads.Where(w => OurImages.Contains(ImageName(w.Value.Image))))
        {
            Assert.Contains(ImageName(workload.Image), built);
            var unknown = workload
                .Env.Where(variable =>
                    !read.Contains(variable) && !FrameworkVariables.Contains(variable) && !variable.StartsWith("OTEL_", StringComparison.Ordinal)
                )
                .ToList();
            Assert.True(unknown.Count == 0, $"{name} is given variables no code reads: {string.Join(", ", unknown)}");
            if (name == "twilio-demo")
            {
                continue;
            }

            // Started once /health answers, in rotation only while /health/ready does, restarted only if /health stops.
            Assert.Equal(
                [("startupProbe", "/health"), ("readinessProbe", "/health/ready"), ("livenessProbe", "/health")],
                workload.Probes.Select(p => (p.Kind, p.Path))
            );
            Assert.All(workload.Probes, probe =>
            {
                Assert.Equal("HTTPS", probe.Scheme);
                Assert.True(workload.Ports.ContainsKey(probe.Port), $"{name}'s {probe.Kind} names a port it does not declare: {probe.Port}");
            });
        }
    }

    private static string ImageName(string image) => image.Split('/')[^1].Split(':')[0];

    private static async Task<Rendered> RenderAndValidateAsync(string overlay)
    {
        // kubectl comes with our build machines' image (Debian does not package it); elsewhere these tests say so.
        Skip.IfNot(
            Environment.GetEnvironmentVariable("PATH")?.Split(':').Any(directory => File.Exists(Path.Combine(directory, "kubectl"))) == true,
            "kubectl is not installed: the Kubernetes manifests were not rendered"
        );
        var render = await Processes.RunAsync("kubectl", ["kustomize", Path.Combine(Manifests, overlay)]);
        Assert.True(render.ExitCode == 0, $"kubectl kustomize {overlay}: {render.StandardError}");
        using var output = TemporaryDirectory.Create("kustomize-");
        var file = Path.Combine(output.Path, "rendered.yaml");
        await File.WriteAllTextAsync(file, render.StandardOutput);
        var validate = await Processes.RunAsync(
            "node",
            [Path.Combine(Repository.Root, "System.Tests", "Kubernetes", "validate", "validate.mjs"), file]
        );
        Assert.True(validate.ExitCode == 0, $"{overlay} does not fit the Kubernetes schemas:\n{validate.StandardError}");

        using var summary = JsonDocument.Parse(validate.StandardOutput);
        var workloads = new Dictionary<string, Workload>(StringComparer.Ordinal);
        foreach (var workload in summary.RootElement.GetProperty("workloads").EnumerateArray())
        {
            var container = workload.GetProperty("containers")[0];
            workloads[workload.GetProperty("name").GetString()!] = new Workload(
                container.GetProperty("image").GetString()!,
                [.. container.GetProperty("env").EnumerateArray().Select(e => e.GetString()!)],
                [.. container.GetProperty("envFromSecrets").EnumerateArray().Select(e => e.GetString()!)],
                container.GetProperty("ports").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal),
                [
                    .. container
                        .GetProperty("probes")
                        .EnumerateArray()
                        .Select(p => new Probe(
                            p.GetProperty("kind").GetString()!,
                            p.GetProperty("path").GetString()!,
                            p.GetProperty("port").ToString(),
                            p.GetProperty("scheme").GetString()!
                        )),
                ]
            );
        }

        return new Rendered([.. summary.RootElement.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()!)], workloads);
    }

    // Every name our code reads settings by: the all-capitals string literals of the services' sources (a superset:
    // a manifest can only name what is among them).
    private static HashSet<string> VariablesTheCodeReads() =>
        [
            .. new[] { "Gateway", "AuthService", "RecordingsService", "ServiceDefaults", "Platform.Security", "Platform.Storage", "Demo" }
                .SelectMany(project => Directory.EnumerateFiles(Path.Combine(Repository.Root, project), "*.cs", SearchOption.AllDirectories))
                .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .SelectMany(path => SettingName().Matches(File.ReadAllText(path)).Select(match => match.Groups[1].Value)),
        ];

    private static string[] BuiltImages() =>
        BuiltImageList().Match(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "build-images.sh"))).Groups[1].Value.Split(' ');

    [GeneratedRegex(@"""([A-Z][A-Z0-9_]{2,})""")]
    private static partial Regex SettingName();

    [GeneratedRegex(@"for image in ([a-z ]+); do")]
    private static partial Regex BuiltImageList();

    private sealed record Probe(string Kind, string Path, string Port, string Scheme);

    private sealed record Workload(
        string Image,
        IReadOnlyList<string> Env,
        IReadOnlyList<string> EnvFromSecrets,
        IReadOnlyDictionary<string, int> Ports,
        IReadOnlyList<Probe> Probes
    );

    private sealed record Rendered(IReadOnlyList<string> Kinds, IReadOnlyDictionary<string, Workload> Workloads);
}
