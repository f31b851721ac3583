using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Services.Tests.Infrastructure;
using TestSupport;

namespace Services.Tests.Auth;

/// <summary>Second-factor secrets and recovery codes sealed with DATA_ENCRYPTION_KEY; a key change and <c>reencrypt</c>.</summary>
public sealed class DataEncryptionTests
{
    private const string BobPassword = "bob-password-123";
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task TheStoredBytes_HoldNoSecretInClear()
    {
        await using var host = new AuthHost(new Dictionary<string, string> { ["DATA_ENCRYPTION_KEY"] = KeyA });
        var (secret, codes) = await EnrolBobAsync(host);

        var stored = ReadDatabaseFiles(host.DataDirectory);
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.ToLowerInvariant(), stored, StringComparison.Ordinal);
        foreach (var code in codes)
        {
            var normalized = code.Replace("-", "", StringComparison.Ordinal);
            Assert.DoesNotContain(normalized, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized))), stored, StringComparison.Ordinal);
        }

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(host.DataDirectory, "auth.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT secret FROM second_factors UNION ALL SELECT code_hash FROM recovery_codes";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            Assert.StartsWith("v1:", reader.GetString(0), StringComparison.Ordinal);
            rows++;
        }

        Assert.Equal(11, rows);
    }

    [Fact]
    public async Task AKeyChange_ReadsWithThePreviousKey_AndReencryptMovesEverythingToTheNewOne()
    {
        using var data = TemporaryDirectory.Create("auth-keys-");
        string secret;
        IReadOnlyList<string> codes;
        await using (var before = new AuthHost(new Dictionary<string, string> { ["DATA_ENCRYPTION_KEY"] = KeyA }, data.Path))
        {
            (secret, codes) = await EnrolBobAsync(before);
        }

        var changing = new Dictionary<string, string> { ["DATA_ENCRYPTION_KEY"] = KeyB, ["DATA_ENCRYPTION_KEY_PREVIOUS"] = KeyA };
        await using (var during = new AuthHost(changing, data.Path))
        {
            using var recovery = await LoginAsync(during, codes[0]);
            Assert.Equal(HttpStatusCode.OK, recovery.StatusCode);

            var (exitCode, stdout, stderr) = await Processes.RunBuiltAsync("AuthService", ["reencrypt"], environment: during.CommandEnvironment());
            Assert.True(exitCode == 0, stderr);
            Assert.Contains("1 second-factor secret(s), 10 recovery code(s)", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(KeyA, stdout + stderr, StringComparison.Ordinal);

            var again = await Processes.RunBuiltAsync("AuthService", ["reencrypt"], environment: during.CommandEnvironment());
            Assert.Contains("0 second-factor secret(s), 0 recovery code(s)", again.StandardOutput, StringComparison.Ordinal);
        }

        await using (var after = new AuthHost(new Dictionary<string, string> { ["DATA_ENCRYPTION_KEY"] = KeyB }, data.Path))
        {
            after.Time.Advance(TimeSpan.FromMinutes(2)); // past the steps used above
            using var code = await LoginAsync(after, TotpCalculator.Code(secret, after.Time.GetUtcNow()));
            Assert.Equal(HttpStatusCode.OK, code.StatusCode);
            using var recovery = await LoginAsync(after, codes[1]);
            Assert.Equal(HttpStatusCode.OK, recovery.StatusCode);
        }

        // The old key alone opens nothing any more: no sign-in (fails closed), nothing revealed.
        await using var stale = new AuthHost(new Dictionary<string, string> { ["DATA_ENCRYPTION_KEY"] = KeyA }, data.Path);
        stale.Time.Advance(TimeSpan.FromMinutes(4));
        using var refused = await LoginAsync(stale, TotpCalculator.Code(secret, stale.Time.GetUtcNow()));
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        Assert.DoesNotContain(secret, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DATA_ENCRYPTION_KEY", "not-base64!")]
    [InlineData("DATA_ENCRYPTION_KEY", "c2hvcnQ=")] // 5 bytes
    [InlineData("DATA_ENCRYPTION_KEY_PREVIOUS", "c2hvcnQ=")]
    public async Task AMalformedKey_StopsTheStart_WithoutPrintingIt(string name, string value)
    {
        using var data = TemporaryDirectory.Create("auth-badkey-");
        var (exitCode, _, stderr) = await Processes.RunBuiltAsync(
            "AuthService",
            [],
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["DATA_DIR"] = data.Path,
                [name] = value,
            }
        );

        Assert.Equal(78, exitCode);
        Assert.Contains($"{name} must be 32 random bytes, base64", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(value, stderr, StringComparison.Ordinal);
    }

    private static async Task<(string Secret, IReadOnlyList<string> Codes)> EnrolBobAsync(AuthHost host)
    {
        var admin = await host.SignInAsync();
        using (
            var created = await host.SendAsync(
                HttpMethod.Post,
                "/api/users/",
                admin.AccessToken,
                new
                {
                    username = "bob",
                    password = BobPassword,
                    role = "viewer",
                }
            )
        )
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var bob = await host.SignInAsync("bob", BobPassword);
        using var setup = await host.SendAsync(HttpMethod.Post, "/api/auth/mfa/totp/setup", bob.AccessToken);
        var secret = (await setup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        using var confirm = await host.SendAsync(
            HttpMethod.Post,
            "/api/auth/mfa/totp/confirm",
            bob.AccessToken,
            new { code = TotpCalculator.Code(secret, host.Time.GetUtcNow()) }
        );
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var codes = (await confirm.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("recoveryCodes")
            .EnumerateArray()
            .Select(c => c.GetString()!)
            .ToList();
        return (secret, codes);
    }

    private static async Task<HttpResponseMessage> LoginAsync(AuthHost host, string code)
    {
        using var client = host.Client();
        return await client.PostAsJsonAsync(
            "/api/auth/login",
            new
            {
                username = "bob",
                password = BobPassword,
                code,
            }
        );
    }

    // The database and its write-ahead log, as a thief copying the folder would read them.
    private static string ReadDatabaseFiles(string dataDirectory) =>
        string.Concat(
            Directory
                .GetFiles(dataDirectory, "auth.db*")
                .Select(file =>
                {
                    using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    using var memory = new MemoryStream();
                    stream.CopyTo(memory);
                    return Encoding.Latin1.GetString(memory.ToArray());
                })
        );
}
