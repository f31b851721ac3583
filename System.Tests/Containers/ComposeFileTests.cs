namespace System.Tests.Containers;

/// <summary>The container deployment: what each service is handed.</summary>
public sealed class ComposeFileTests
{
    private static readonly string[] Secrets = ["TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "ADMIN_PASSWORD_HASH", "ADMIN_USERNAME", "JWT_KEYS_DIR"];

    [Fact]
    public void EachService_HasItsOwnEnvFile_AndTheGatewaysHoldsNoSecretOfTheServices()
    {
        var envFiles = EnvFilesByBlock(File.ReadAllLines(Path.Combine(Repository.Root, "docker-compose.yml")));

        // One shared file handed the internet-facing gateway the Twilio token and the admin's hash.
        Assert.False(envFiles.ContainsKey("x-service"), "the shared service settings name an env file");
        Assert.Equal("deploy/gateway.env", envFiles["gateway"]);
        Assert.Equal("deploy/auth.env", envFiles["auth"]);
        Assert.Equal("deploy/recordings.env", envFiles["recordings"]);

        var gateway = Variables("gateway");
        Assert.Empty(gateway.Intersect(Secrets));
        Assert.Contains("ADMIN_PASSWORD_HASH", Variables("auth"));
        Assert.Contains("TWILIO_AUTH_TOKEN", Variables("recordings"));
        Assert.DoesNotContain("TWILIO_AUTH_TOKEN", Variables("auth"));
        Assert.DoesNotContain("ADMIN_PASSWORD_HASH", Variables("recordings"));
    }

    [Fact]
    public void BetweenTheContainers_MutualTls_EachMountingOnlyItsOwnCertificate()
    {
        var compose = File.ReadAllText(Path.Combine(Repository.Root, "docker-compose.yml"));

        // Plain HTTP to a service across the compose network is what let anything on it bypass the gateway.
        Assert.DoesNotContain("http://auth", compose, StringComparison.Ordinal);
        Assert.DoesNotContain("http://recordings", compose, StringComparison.Ordinal);
        Assert.DoesNotContain("http://0.0.0.0", compose, StringComparison.Ordinal);
        Assert.Contains("ASPNETCORE_URLS: https://0.0.0.0:5001", compose, StringComparison.Ordinal);
        Assert.Contains("ASPNETCORE_URLS: https://0.0.0.0:5002", compose, StringComparison.Ordinal);
        foreach (var service in new[] { "gateway", "auth", "recordings" })
        {
            var block = Block(compose, service);
            Assert.Contains("<<: *internal-tls", block, StringComparison.Ordinal);
            Assert.Contains($"/internal}}/{service}:/run/internal-tls:ro", block, StringComparison.Ordinal);
            Assert.Single(block.Split("/run/internal-tls:ro").Skip(1)); // its own folder, never the CA's key beside it
            Assert.Contains("INTERNAL_TLS_CERT", Variables(service));
        }
    }

    // The text of one service's block under services: (up to the next line indented as little).
    private static string Block(string compose, string service)
    {
        var lines = compose.Split('\n');
        var start = Array.FindIndex(lines, line => line == $"  {service}:");
        Assert.True(start >= 0, $"no service {service}");
        var end = Array.FindIndex(lines, start + 1, line => line.Length > 0 && !line.StartsWith("   ", StringComparison.Ordinal));
        return string.Join('\n', lines[start..(end < 0 ? lines.Length : end)]);
    }

    // The env_file of each top-level block of the compose file (x-service) and of each service under services:.
    private static Dictionary<string, string> EnvFilesByBlock(string[] lines)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        string? block = null;
        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            var indent = line.Length - trimmed.Length;
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            if (indent == 0 || (indent == 2 && trimmed.EndsWith(':')))
            {
                block = trimmed.Split(':')[0];
            }
            else if (trimmed.StartsWith("env_file:", StringComparison.Ordinal) && block is not null)
            {
                found[block] = trimmed["env_file:".Length..].Trim();
            }
        }

        return found;
    }

    private static string[] Variables(string service) =>
        [
            .. File.ReadAllLines(Path.Combine(Repository.Root, "deploy", service + ".env.example"))
                .Where(line => line.Contains('=', StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'))
                .Select(line => line.Split('=')[0].Trim()),
        ];
}
